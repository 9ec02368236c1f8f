using System.Globalization;
using AfmEdge.Core;
using AfmEdge.Formats.Tests.Oracle;

namespace AfmEdge.Processing.Tests.Oracle;

/// <summary>
/// The chain's tip steps ("tip-dilate:R", "tip-erode:R") against Gwyddion 2.62's gwy_tip_dilation / gwy_tip_erosion with
/// the paraboloid the step renders (same radius, same grid: the oracle's tip-OP:R:H with H the step's half size).
/// </summary>
public sealed class GwyddionTipStepTests(GwyddionInputs inputs) : IClassFixture<GwyddionInputs>
{
    [Theory]
    [InlineData(GwyddionInputs.Simulated, "tip-dilate", 20.0)]
    [InlineData(GwyddionInputs.Simulated, "tip-erode", 20.0)]
    [InlineData("GwiddionReader_chip.gsf", "tip-dilate", 500.0)]
    public void TipStep_HeightChannel_EqualsGwyddion(string source, string operation, double radiusNm)
    {
        GwyddionOracle.Require();
        var (channel, gsf) = inputs.Get(source);
        var (w, h) = (channel.Width, channel.Height);
        var probe = GwyddionOracle.Process(gsf, 0, "median:1");
        var scan = new ScanSettings { SizeX = probe.XReal, SizeY = probe.YReal, PixelsX = w, PixelsY = h, LineRateHz = 1 };
        var frame = new Frame(new FrameId(DateTimeOffset.UnixEpoch, 0), scan, [channel]);
        var step = string.Create(CultureInfo.InvariantCulture, $"{operation}:{radiusNm}");

        var result = ProcessingChain.ParseList(step).Apply(frame);

        var data = channel.Data.ToArray();
        var tip = new TipModel(TipGeometry.Paraboloid, radiusNm * 1e-9).Render(scan.PixelSizeX, scan.PixelSizeY, data.Max() - (double)data.Min(), TipStep.MaxHalfSize);
        Assert.Equal(tip.Width, tip.Height);
        var expected = GwyddionOracle.Process(gsf, 0, string.Create(CultureInfo.InvariantCulture, $"{operation}:{radiusNm * 1e-9:R}:{tip.Width / 2}"));
        var actual = result.Channels[0].Data.ToArray();
        var range = expected.Data.Max() - expected.Data.Min();
        var worst = expected.Data.Select((v, i) => Math.Abs(v - actual[i])).Max();
        var line = string.Create(CultureInfo.InvariantCulture, $"{source} {step} ({tip.Width}×{tip.Height} px tip): max |Δ|/range = {worst / range:E2}");
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        Assert.True(worst <= 1e-5 * range, line);
        Assert.Contains($"{tip.Width}×{tip.Height} px", result.Metadata["tip"], StringComparison.Ordinal);
    }
}
