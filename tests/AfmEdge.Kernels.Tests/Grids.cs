namespace AfmEdge.Kernels.Tests;

/// <summary>Test grids and the float comparison shared by the kernel tests.</summary>
internal static class Grids
{
    /// <summary>A scan-like field: offset, tilt, per-row steps, a ripple and noise.</summary>
    public static float[] Field(int width, int height, int seed)
    {
        var random = new Random(seed);
        var rowStep = Enumerable.Range(0, height).Select(_ => random.NextDouble() * 3).ToArray();
        var data = new float[width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                data[(y * width) + x] = (float)(100 + (0.1 * x) + (0.5 * y) + (0.002 * x * y) + rowStep[y] + Math.Sin(x * 0.3) + random.NextDouble());
            }
        }

        return data;
    }

    /// <summary>|expected − actual| ≤ relative · range(expected) + two float ulps of the value, element by element.</summary>
    public static void AssertClose(float[] expected, float[] actual, double relative = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        var range = Math.Max(expected.Max() - expected.Min(), 1e-30f);
        for (var i = 0; i < expected.Length; i++)
        {
            var ulp = MathF.BitIncrement(Math.Abs(expected[i])) - Math.Abs(expected[i]);
            Assert.True(Math.Abs((double)expected[i] - actual[i]) <= (relative * range) + (2 * ulp), $"[{i}] expected {expected[i]}, got {actual[i]} (range {range})");
        }
    }

    public static float[] Run(AfmEdge.Processing.GridOperation operation, float[] input, int width, int height, byte[]? exclude = null)
    {
        var output = new float[input.Length];
        operation.Run(input, output, width, height, exclude);
        return output;
    }
}

/// <summary>Base of the kernel test classes: one accelerator per class, the test skipped when there is none.</summary>
public abstract class AcceleratorTests(AcceleratorFixture fixture)
{
    protected KernelAccelerator Accelerator
    {
        get
        {
            if (fixture.Accelerator is null)
            {
                Assert.Skip("No GPU accelerator: " + fixture.Reason);
            }

            return fixture.Accelerator;
        }
    }

    /// <summary>
    /// Bit for bit on ILGPU's CPU accelerator, which runs the kernels' IL as written; within two ulps on a GPU, whose
    /// compiler contracts a multiply and an add into one fused multiply-add (an H200 differed in the last bit).
    /// </summary>
    protected void AssertMatchesSimd(float[] expected, float[] actual)
    {
        if (Accelerator.Accelerator.AcceleratorType == ILGPU.Runtime.AcceleratorType.CPU)
        {
            Assert.Equal(expected, actual);
        }
        else
        {
            Grids.AssertClose(expected, actual, relative: 0);
        }
    }
}
