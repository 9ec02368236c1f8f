namespace AfmEdge.Tests.Shared;

/// <summary>Test images for the local-correlation map, shared by its SIMD tests and its ILGPU kernel tests.</summary>
internal static class CorrelatedImages
{
    /// <summary>
    /// Heights of order 1e-7 m on a large offset (the case that breaks one-pass float sums) and a field correlated with
    /// them, both with noise; one NaN height and one infinite field sample, so non-finite pairs and edges are exercised.
    /// </summary>
    public static (float[] Height, float[] Field) WithHoles(int width, int height, int seed)
    {
        var random = new Random(seed);
        var a = new float[width * height];
        var b = new float[width * height];
        for (var i = 0; i < a.Length; i++)
        {
            var x = i % width;
            var y = i / width;
            a[i] = (float)(2e-6 + (1e-7 * Math.Sin(x * 0.3)) + (1e-8 * random.NextDouble()));
            b[i] = (float)((0.5 * Math.Sin(x * 0.3) * Math.Cos(y * 0.2)) + random.NextDouble());
        }

        a[3] = float.NaN;
        b[width + 2] = float.PositiveInfinity;
        return (a, b);
    }
}
