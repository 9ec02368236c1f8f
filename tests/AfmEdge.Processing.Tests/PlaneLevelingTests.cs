using AfmEdge.Core;
using AfmEdge.Processing;

namespace AfmEdge.Processing.Tests;

public sealed class PlaneLevelingTests
{
    [Fact]
    public void Level_PureTiltedPlane_LeavesZeros()
    {
        const int w = 37, h = 23;
        var data = new float[w * h];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                data[(y * w) + x] = 5f + (0.25f * x) - (0.5f * y);
            }
        }

        var output = new float[data.Length];
        var (offset, slopeX, slopeY) = PlaneLeveling.Level(data, output, w, h);
        Assert.Equal(0.25, slopeX, 1e-6);
        Assert.Equal(-0.5, slopeY, 1e-6);
        Assert.Equal(5 + (0.25 * 18) - (0.5 * 11), offset, 1e-5);
        Assert.All(output, v => Assert.True(Math.Abs(v) < 1e-4, $"residual {v}"));
    }

    [Fact]
    public void Level_BumpOnTilt_MatchesScalarLeastSquares()
    {
        const int w = 16, h = 12;
        var data = new float[w * h];
        var random = new Random(5);
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)((0.1 * (i % w)) + (0.3 * (i / w)) + random.NextDouble());
        }

        var fast = PlaneLeveling.Fit(data, w, h);
        var reference = ScalarPlaneFit(data, w, h);
        Assert.Equal(reference.A, fast.Offset - (fast.SlopeX * ((w - 1) / 2.0)) - (fast.SlopeY * ((h - 1) / 2.0)), 1e-5);
        Assert.Equal(reference.B, fast.SlopeX, 1e-6);
        Assert.Equal(reference.C, fast.SlopeY, 1e-6);
    }

    [Fact]
    public void Apply_Channel_ReturnsNewChannelAndLeavesInputAlone()
    {
        var samples = Enumerable.Range(0, 64).Select(i => (float)i).ToArray();
        var channel = new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), 8, 8, samples);
        var leveled = new PlaneLeveling().Apply(channel);
        Assert.NotSame(channel, leveled);
        Assert.Equal(63f, channel.Data[63]);
        Assert.Equal("Height", leveled.Name);
        Assert.True(Math.Abs(leveled.Data[63]) < 1e-3);
    }

    [Fact]
    public void ProcessingChain_UnknownStep_NamesStepAndKnownSteps()
    {
        var e = Assert.Throws<FormatException>(() => ProcessingChain.Parse(["level:plane", "level:cubic"]));
        Assert.Contains("step 1 'level:cubic'", e.Message, StringComparison.Ordinal);
        Assert.Contains("level:plane", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProcessingChain_Apply_RecordsStepsInMetadata()
    {
        var scan = new ScanSettings { SizeX = 1e-6, SizeY = 1e-6, PixelsX = 8, PixelsY = 8, LineRateHz = 1 };
        var frame = new Frame(new FrameId(DateTimeOffset.UnixEpoch, 0), scan,
            [new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), 8, 8, new float[64])]);
        var processed = ProcessingChain.Parse(["level:plane"]).Apply(frame);
        Assert.Equal("level:plane", processed.Metadata["processing"]);
    }

    /// <summary>Normal equations of z = a + b·x + c·y solved directly (Cramer's rule), uncentred, in double.</summary>
    private static (double A, double B, double C) ScalarPlaneFit(float[] data, int w, int h)
    {
        double n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, sz = 0, sxz = 0, syz = 0;
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                double z = data[(y * w) + x];
                n++; sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y; sz += z; sxz += x * z; syz += y * z;
            }
        }

        double[,] m = { { n, sx, sy }, { sx, sxx, sxy }, { sy, sxy, syy } };
        double[] r = [sz, sxz, syz];
        var det = Det(m);
        double Solve(int col)
        {
            var c = (double[,])m.Clone();
            for (var i = 0; i < 3; i++)
            {
                c[i, col] = r[i];
            }

            return Det(c) / det;
        }

        return (Solve(0), Solve(1), Solve(2));
    }

    private static double Det(double[,] m) =>
        (m[0, 0] * ((m[1, 1] * m[2, 2]) - (m[1, 2] * m[2, 1])))
        - (m[0, 1] * ((m[1, 0] * m[2, 2]) - (m[1, 2] * m[2, 0])))
        + (m[0, 2] * ((m[1, 0] * m[2, 1]) - (m[1, 1] * m[2, 0])));
}
