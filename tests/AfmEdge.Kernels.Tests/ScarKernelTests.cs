using AfmEdge.Processing;

namespace AfmEdge.Kernels.Tests;

/// <summary>Scar marking and removal kernels against the scalar reference (gwy_data_field_mark_scars) and ScarRemoval.</summary>
public abstract class ScarKernelTests(AcceleratorFixture fixture) : AcceleratorTests(fixture)
{
    [Theory]
    [InlineData(48, 40, 1)]
    [InlineData(64, 32, 2)]
    [InlineData(40, 24, 3)]
    public void Mark_ScarredField_MatchesReferenceAndSimd(int w, int h, int seed)
    {
        var data = Scarred(w, h, seed);
        var settings = new ScarRemoval();

        var marks = Accelerator.Scars.Mark(data, w, h, settings);

        Assert.Equal(Reference.ScarMarks(data, w, h), marks);
        Assert.Equal(settings.Mark(data, w, h), marks);
        Assert.Contains((byte)1, marks);
    }

    [Theory]
    [InlineData(48, 40, 1)]
    [InlineData(40, 24, 3)]
    public void Remove_DefaultSettings_MatchesReferenceAndSimd(int w, int h, int seed)
    {
        var data = Scarred(w, h, seed);
        var gpu = Accelerator.Scars.Remove(data, w, h, new ScarRemoval());
        Grids.AssertClose(Reference.RemoveScars(data, w, h), gpu, 1e-6);
        AssertMatchesSimd(Grids.Run(new ScarRemoval(), data, w, h), gpu);
    }

    [Theory]
    [InlineData(48, 40, 1)]
    [InlineData(40, 24, 3)]
    public void Remove_ScarredField_MatchesSimd(int w, int h, int seed)
    {
        var data = Scarred(w, h, seed);
        var settings = new ScarRemoval(minLength: 8, maxWidth: 2);
        var gpu = Accelerator.Scars.Remove(data, w, h, settings);
        AssertMatchesSimd(Grids.Run(settings, data, w, h), gpu);
        Assert.NotEqual(data, gpu);
    }

    [Fact]
    public void Remove_NoScars_ReturnsInput()
    {
        // Rows rising steadily: no line stands above or below both of its neighbours.
        var data = Enumerable.Range(0, 40 * 20).Select(i => (float)(Math.Sin((i % 40) * 0.2) + (0.05 * (i / 40)))).ToArray();
        Assert.Equal(data, Accelerator.Scars.Remove(data, 40, 20, new ScarRemoval()));
        var flat = new float[32 * 8];
        Assert.Equal(flat, Accelerator.Scars.Remove(flat, 32, 8, new ScarRemoval()));
    }

    [Fact]
    public void Remove_TooFewRows_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Accelerator.Scars.Remove(new float[20], 10, 2, new ScarRemoval()));

    /// <summary>A gentle surface with noise and runs of one or two lines lifted or dropped by several noise levels.</summary>
    private static float[] Scarred(int w, int h, int seed)
    {
        var random = new Random(seed);
        var data = new float[w * h];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)((0.5 * Math.Sin((i % w) * 0.2)) + (0.3 * Math.Cos((i / w) * 0.3)) + (0.1 * random.NextDouble()));
        }

        for (var s = 0; s < 5; s++)
        {
            var y = 2 + random.Next(h - 6);
            var x0 = random.Next(w / 3);
            var length = 18 + random.Next(w - x0 - 18);
            var thick = 1 + random.Next(2);
            var lift = (float)((random.Next(2) == 0 ? 1 : -1) * (0.8 + random.NextDouble()));
            for (var yy = y; yy < y + thick; yy++)
            {
                for (var x = x0; x < x0 + length; x++)
                {
                    data[(yy * w) + x] += lift;
                }
            }
        }

        return data;
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorScarKernelTests(CpuAcceleratorFixture fixture) : ScarKernelTests(fixture);

[Trait("Category", "Gpu")]
[Collection(GpuAcceleratorCollection.Name)]
public sealed class GpuScarKernelTests(GpuAcceleratorFixture fixture) : ScarKernelTests(fixture);
