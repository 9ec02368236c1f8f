namespace AfmEdge.Processing.Tests;

internal static class TestData
{
    /// <summary>A scan-like field: offset, tilt, curvature, per-row steps and noise.</summary>
    public static float[] Field(int width, int height, int seed, double offset = 1000.0)
    {
        var random = new Random(seed);
        var rowStep = Enumerable.Range(0, height).Select(_ => random.NextDouble() * 3).ToArray();
        var data = new float[width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                data[(y * width) + x] = (float)(offset + (0.05 * x) - (0.03 * y) + (0.001 * x * y) + rowStep[y]
                    + Math.Sin(x * 0.3) + random.NextDouble());
            }
        }

        return data;
    }

    public static void AssertClose(float[] expected, float[] actual, double relative = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        var range = Math.Max(expected.Max() - expected.Min(), 1e-30);
        var worst = 0.0;
        var at = -1;
        for (var i = 0; i < expected.Length; i++)
        {
            // One float ulp of the value itself is allowed on top: a float result cannot be nearer than that.
            var ulp = MathF.BitIncrement(Math.Abs(expected[i])) - Math.Abs(expected[i]);
            var d = Math.Max(0, Math.Abs((double)expected[i] - actual[i]) - ulp);
            if (d > worst || double.IsNaN(d))
            {
                worst = d;
                at = i;
            }
        }

        Assert.True(worst <= relative * range, $"max |Δ| = {worst} at {at} (expected {(at >= 0 ? expected[at] : 0)}, got {(at >= 0 ? actual[at] : 0)}), range {range}");
    }

    public static float[] Run(GridOperation op, float[] input, int width, int height, byte[]? exclude = null)
    {
        var copy = (float[])input.Clone();
        var output = new float[input.Length];
        op.Run(input, output, width, height, exclude);
        Assert.Equal(copy, input); // never modified in place
        return output;
    }
}
