using System.Numerics;
using AfmEdge.Simulation.Instrument;

namespace AfmEdge.Simulation.Rendering;

/// <summary>
/// Grey-scale dilation of a height grid by the tip: the apex at p records max over q of
/// h(q) − tip(q − p), the highest point where the tip first touches. Tip offsets whose tip height exceeds
/// the grid's relief can never win and are skipped, so the footprint adapts to the specimen.
/// </summary>
internal static class TipDilation
{
    /// <summary>The lateral radius at which the tip has risen <paramref name="relief"/> above its apex.</summary>
    public static double FootprintRadius(TipOptions tip, double relief)
    {
        double lo = 0, hi = 1e-9;
        while (tip.Profile(hi) < relief && hi < 1e-3)
        {
            hi *= 2;
        }

        for (var i = 0; i < 60; i++)
        {
            var mid = 0.5 * (lo + hi);
            if (tip.Profile(mid) < relief)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return hi;
    }

    /// <summary>Dilates <paramref name="source"/> (rows × cols, spacing dx × dy) into <paramref name="target"/>.</summary>
    public static void Apply(TipOptions tip, float[] source, float[] target, int cols, int rows, double dx, double dy)
    {
        var min = float.MaxValue;
        var max = float.MinValue;
        for (var i = 0; i < cols * rows; i++)
        {
            min = Math.Min(min, source[i]);
            max = Math.Max(max, source[i]);
        }

        var relief = (double)max - min;
        var radius = FootprintRadius(tip, relief);
        var ri = Math.Min((int)Math.Ceiling(radius / dx), cols - 1);
        var rj = Math.Min((int)Math.Ceiling(radius / dy), rows - 1);
        var offsets = new List<(int Di, int Dj, float Lift)>();
        for (var dj = -rj; dj <= rj; dj++)
        {
            for (var di = -ri; di <= ri; di++)
            {
                var lift = tip.Profile(Math.Sqrt((di * dx * di * dx) + (dj * dy * dj * dy)));
                if (lift <= relief)
                {
                    offsets.Add((di, dj, (float)lift));
                }
            }
        }

        var list = offsets.ToArray();
        Parallel.For(0, rows, j =>
        {
            var output = target.AsSpan(j * cols, cols);
            output.Fill(float.MinValue);
            foreach (var (di, dj, lift) in list)
            {
                var sj = j + dj;
                if (sj < 0 || sj >= rows)
                {
                    continue;
                }

                // Output x takes source x + di; keep both inside the row.
                var start = Math.Max(0, -di);
                var end = Math.Min(cols, cols - di);
                MaxShifted(source.AsSpan((sj * cols) + start + di, end - start), output[start..end], lift);
            }
        });
    }

    private static void MaxShifted(ReadOnlySpan<float> source, Span<float> output, float lift)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && source.Length >= Vector<float>.Count)
        {
            var liftVector = new Vector<float>(lift);
            for (; i <= source.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var candidate = new Vector<float>(source[i..]) - liftVector;
                Vector.Max(new Vector<float>(output[i..]), candidate).CopyTo(output[i..]);
            }
        }

        for (; i < source.Length; i++)
        {
            output[i] = Math.Max(output[i], source[i] - lift);
        }
    }
}
