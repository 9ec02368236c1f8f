namespace AfmEdge.Simulation.Rendering;

/// <summary>Reads a row-major float grid between its samples; shared by IdealScan's per-frame grid and the closed loop's tip-dilated surface.</summary>
internal static class GridInterpolation
{
    /// <summary>Bilinear value at fractional indices (<paramref name="fx"/>, <paramref name="fy"/>), which must lie in [0, cols − 1) × [0, rows − 1).</summary>
    public static double Bilinear(float[] values, int cols, double fx, double fy)
    {
        var ix = (int)fx;
        var iy = (int)fy;
        var tx = fx - ix;
        var ty = fy - iy;
        var p = (iy * cols) + ix;
        var top = values[p] + ((values[p + 1] - values[p]) * tx);
        var bottom = values[p + cols] + ((values[p + cols + 1] - values[p + cols]) * tx);
        return top + ((bottom - top) * ty);
    }
}
