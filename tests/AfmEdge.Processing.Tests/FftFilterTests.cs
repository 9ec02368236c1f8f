namespace AfmEdge.Processing.Tests;

public sealed class FftFilterTests
{
    private const int Width = 64;
    private const int Height = 48;

    [Theory]
    [InlineData(FftFilterKind.LowPass, 0.1, 0.5)]
    [InlineData(FftFilterKind.HighPass, 0.1, 0.5)]
    [InlineData(FftFilterKind.BandPass, 0.05, 0.2)]
    public void Run_MatchesScalarDftReference(FftFilterKind kind, double low, double high)
    {
        const int width = 13;
        const int height = 10;
        var data = TestData.Field(width, height, seed: 5, offset: 10);
        var expected = Reference.FftFilter(data, width, height, kind, low, high);
        TestData.AssertClose(expected, TestData.Run(new FftFilter(kind, low, high), data, width, height), 1e-5);
    }

    [Fact]
    public void LowPass_TwoWaves_KeepsSlowWaveAndTiltRemovesFastOne()
    {
        var (slow, fast, tilt) = Waves();
        var data = slow.Select((v, i) => v + fast[i] + tilt[i]).ToArray();
        var result = TestData.Run(new FftFilter(FftFilterKind.LowPass, 0.15), data, Width, Height);
        AssertInteriorClose(slow.Select((v, i) => v + tilt[i]).ToArray(), result, 0.05);
    }

    [Fact]
    public void HighPass_TwoWaves_KeepsFastWaveOnly()
    {
        var (slow, fast, tilt) = Waves();
        var data = slow.Select((v, i) => v + fast[i] + tilt[i]).ToArray();
        var result = TestData.Run(new FftFilter(FftFilterKind.HighPass, 0.15), data, Width, Height);
        AssertInteriorClose(fast, result, 0.05);
    }

    [Fact]
    public void RowNotch_LineNoise_RemovedAndMatchesReference()
    {
        var (slow, _, tilt) = Waves();
        var clean = slow.Select((v, i) => v + tilt[i]).ToArray();
        // Pickup at 0.25 cycles per pixel along every line, with a phase that drifts from line to line.
        var noisy = clean.Select((v, i) => v + (float)(0.5 * Math.Cos((2 * Math.PI * 0.25 * (i % Width)) + (i / Width)))).ToArray();
        var notch = new RowNotchFilter(0.22, 0.28);
        var result = TestData.Run(notch, noisy, Width, Height);
        TestData.AssertClose(Reference.RowNotch(noisy, Width, Height, 0.22, 0.28), result, 1e-5);
        AssertInteriorClose(clean, result, 0.06);
    }

    [Theory]
    [InlineData("fix-zero")]
    [InlineData("zero-mean")]
    [InlineData("offset:-2.5")]
    public void ZeroOffset_ShiftsByTheRightConstant(string step)
    {
        var data = TestData.Field(20, 10, seed: 6);
        var result = TestData.Run((GridOperation)ProcessingChain.Parse([step]).Operations[0], data, 20, 10);
        var expectedShift = step switch
        {
            "fix-zero" => -data.Min(),
            "zero-mean" => -data.Average(v => (double)v),
            _ => -2.5,
        };
        for (var i = 0; i < data.Length; i++)
        {
            Assert.Equal(data[i] + expectedShift, result[i], 1e-3);
        }
    }

    [Fact]
    public void MaskedLeveling_TallFeaturesOnTilt_FitsTheBackgroundOnly()
    {
        const int size = 64;
        var data = new float[size * size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var bump = ((x - 40) * (x - 40)) + ((y - 20) * (y - 20)) < 100 ? 50.0 : 0.0;
                data[(y * size) + x] = (float)(3 + (0.2 * x) - (0.1 * y) + bump);
            }
        }

        var plain = TestData.Run(new PlaneLeveling(), data, size, size);
        var masked = TestData.Run(ProcessingChain.Parse(["level-masked:plane"]).Operations.Cast<GridOperation>().Single(), data, size, size);
        var background = Enumerable.Range(0, data.Length).Where(i => data[i] - (3 + (0.2 * (i % size)) - (0.1 * (i / size))) < 1).ToArray();

        // The bump tilts the plain fit; with the bump masked, the background is flat at one level.
        var plainSpread = background.Max(i => plain[i]) - background.Min(i => plain[i]);
        var maskedSpread = background.Max(i => masked[i]) - background.Min(i => masked[i]);
        Assert.True(plainSpread > 1, $"plain plane leveling spread {plainSpread}");
        Assert.True(maskedSpread < 1e-3, $"masked leveling spread {maskedSpread}");
    }

    [Theory]
    [InlineData("lowpass:0", "F")]
    [InlineData("lowpass:0.7", "F")]
    [InlineData("bandpass:0.3:0.1", "F2")]
    [InlineData("notch-rows:0.1:x", "F2")]
    [InlineData("offset:abc", "VALUE")]
    [InlineData("level-masked:poly:5", "D")]
    [InlineData("level-masked:plane:-1", "K")]
    public void Parse_BadParameter_ErrorNamesStepAndParameter(string step, string parameter)
    {
        Assert.False(ProcessingChain.TryParseStep(step, out var error));
        Assert.Contains(step, error, StringComparison.Ordinal);
        Assert.Contains($"parameter {parameter} ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lowpass:0.1")]
    [InlineData("highpass:0.25")]
    [InlineData("bandpass:0.05:0.2")]
    [InlineData("notch-rows:0.22:0.28")]
    [InlineData("fix-zero")]
    [InlineData("zero-mean")]
    [InlineData("offset:1E-09")]
    [InlineData("level-masked:plane")]
    [InlineData("level-masked:poly:2:1.5")]
    public void Parse_NewStep_RoundTripsItsName(string step)
    {
        Assert.Equal(step, ProcessingChain.Parse([step]).Operations[0].Name);
    }

    private static (float[] Slow, float[] Fast, float[] Tilt) Waves()
    {
        var slow = new float[Width * Height];
        var fast = new float[Width * Height];
        var tilt = new float[Width * Height];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var i = (y * Width) + x;
                slow[i] = (float)(2 * Math.Cos(2 * Math.PI * ((0.03 * x) + (0.02 * y))));
                fast[i] = (float)(0.7 * Math.Cos(2 * Math.PI * ((0.3 * x) + (0.1 * y))));
                tilt[i] = (float)(5 + (0.05 * x) - (0.02 * y));
            }
        }

        return (slow, fast, tilt);
    }

    /// <summary>Away from the edges (where mirroring bends waves that do not fit the grid), within a fraction of the range.</summary>
    private static void AssertInteriorClose(float[] expected, float[] actual, double fraction)
    {
        var range = expected.Max() - expected.Min();
        for (var y = 8; y < Height - 8; y++)
        {
            for (var x = 8; x < Width - 8; x++)
            {
                var i = (y * Width) + x;
                Assert.True(Math.Abs(expected[i] - actual[i]) <= fraction * range, $"({x}, {y}): expected {expected[i]}, got {actual[i]}");
            }
        }
    }
}
