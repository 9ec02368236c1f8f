using System.Globalization;
using AfmEdge.Formats.Tests.Oracle;

namespace AfmEdge.Processing.Tests.Oracle;

/// <summary>
/// Tip dilation, erosion and blind estimation against Gwyddion 2.62's gwy_tip_dilation, gwy_tip_erosion and
/// gwy_tip_estimate_partial on the same float32 samples, with the same paraboloid tip grid (the oracle builds
/// z = −r²/(2R) on the field's spacing, as <see cref="TipModel.Render(double, double, int, int)"/> does).
/// </summary>
public sealed class GwyddionTipTests(GwyddionInputs inputs) : IClassFixture<GwyddionInputs>
{
    [Theory]
    [InlineData(GwyddionInputs.Simulated, "dilate", 3)]
    [InlineData(GwyddionInputs.Simulated, "erode", 3)]
    [InlineData("GwiddionReader_chip.gsf", "dilate", 2)]
    [InlineData("GwiddionReader_chip.gsf", "erode", 2)]
    public void DilateErode_ParaboloidTip_EqualsGwyddion(string source, string operation, int radiusPixels)
    {
        GwyddionOracle.Require();
        var (channel, gsf) = inputs.Get(source);
        const int half = 5;
        var probe = GwyddionOracle.Process(gsf, 0, "median:1");
        var dx = probe.XReal / probe.XRes;
        var dy = probe.YReal / probe.YRes;
        var radius = radiusPixels * dx;
        var expected = GwyddionOracle.Process(gsf, 0, string.Create(CultureInfo.InvariantCulture, $"tip-{operation}:{radius:R}:{half}"));
        var tip = new TipModel(TipGeometry.Paraboloid, radius).Render(dx, dy, half, half);
        var actual = new float[channel.Data.Length];
        if (operation == "dilate")
        {
            TipMorphology.Dilate(channel.Data, actual, channel.Width, channel.Height, tip);
        }
        else
        {
            TipMorphology.Erode(channel.Data, actual, channel.Width, channel.Height, tip);
        }

        var range = expected.Data.Max() - expected.Data.Min();
        var worst = expected.Data.Select((v, i) => Math.Abs(v - actual[i])).Max();
        var line = string.Create(CultureInfo.InvariantCulture, $"{source} tip-{operation} R={radius:E2} m: max |Δ|/range = {worst / range:E2}");
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        Assert.True(worst <= 1e-5 * range, line);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void EstimatePartial_SimulatorHeight_AgreesWithGwyddionWithinItsQuantisation()
    {
        GwyddionOracle.Require();
        var (channel, gsf) = inputs.Get(GwyddionInputs.Simulated);
        const int size = 9;
        var range = channel.Data.ToArray().Max() - (double)channel.Data.ToArray().Min();
        var threshold = range * 1e-3;
        var expected = GwyddionOracle.Process(gsf, 0, string.Create(CultureInfo.InvariantCulture, $"tip-estimate:{size}:{threshold:R}"));
        var actual = BlindTipEstimation.EstimatePartial(channel.Data, channel.Width, channel.Height, size, threshold);
        Assert.Equal((size, size), (expected.XRes, expected.YRes));

        // Gwyddion returns the tip with its minimum at 0; ours has the apex at 0. Gwyddion works on data quantised to
        // range/10 000: each refinement can land a step apart, so agreement is to a few steps plus the threshold.
        var apex = expected.Data[(size / 2 * size) + (size / 2)];
        var worst = expected.Data.Select((v, i) => Math.Abs(v - apex - actual.Heights[i])).Max();
        var line = string.Create(CultureInfo.InvariantCulture,
            $"tip-estimate {size}×{size}, threshold {threshold:E2}: max |Δ| = {worst:E2} = {worst / range * 1e4:F2} quantisation steps; tip depth {expected.Data.Max() - expected.Data.Min():E2}");
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        Assert.True(worst <= (5e-4 * range) + threshold, line);
    }
}
