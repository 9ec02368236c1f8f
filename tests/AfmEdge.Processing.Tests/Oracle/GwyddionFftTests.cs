using System.Globalization;
using AfmEdge.Formats.Gsf;
using AfmEdge.Formats.Tests.Oracle;

namespace AfmEdge.Processing.Tests.Oracle;

/// <summary>
/// The FFT low- and high-pass against Gwyddion 2.62's Level ▸ Frequency Split module (modules/process/freq_split.c),
/// the one FFT filter Gwyddion runs non-interactively (the 2D FFT filter module needs its dialog), with edge width 0
/// (an ideal step) and boundary "Mirror" (the 2W × 2H even extension FftFilter uses). Documented differences:
/// Frequency Split's cut-off is in fractions of Nyquist (C = 2F for our F in cycles per pixel) and at most 0.3; it
/// transforms the data as they are, while FftFilter takes the least-squares plane out first and puts it back into
/// the low-pass only, so a tilted field differs by the high-pass of its mirrored plane (a triangle wave): the
/// comparison is on plane-levelled data, where both definitions coincide. A bin exactly at the cut-off goes to
/// Gwyddion's high-pass and to our low-pass; the cut-offs here fall between bins. There is no band-pass counterpart.
/// </summary>
public sealed class GwyddionFftTests(GwyddionInputs inputs) : IClassFixture<GwyddionInputs>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("afmedge-fft-oracle-").FullName;

    [Theory]
    [InlineData(GwyddionInputs.Simulated, FftFilterKind.LowPass, 0.0617)]
    [InlineData(GwyddionInputs.Simulated, FftFilterKind.HighPass, 0.1133)]
    [InlineData("GwiddionReader_chip.gsf", FftFilterKind.LowPass, 0.1133)]
    [InlineData("GwiddionReader_chip.gsf", FftFilterKind.HighPass, 0.0617)]
    public void Filter_PlaneLevelledChannel_EqualsFrequencySplit(string source, FftFilterKind kind, double cutoff)
    {
        GwyddionOracle.Require();
        var (channel, _) = inputs.Get(source);
        var (w, h) = (channel.Width, channel.Height);
        var levelled = new float[channel.Data.Length];
        new PlaneLeveling().Run(channel.Data, levelled, w, h, default);
        var gsf = Path.Combine(_directory, $"{Path.GetFileNameWithoutExtension(source)}-levelled.gsf");
        GsfWriter.Write(gsf, channel.WithData(w, h, levelled), w * 1e-9, h * 1e-9);

        var operation = string.Create(CultureInfo.InvariantCulture, $"{(kind == FftFilterKind.LowPass ? "fft-low" : "fft-high")}:{2 * cutoff:R}");
        var expected = GwyddionOracle.Process(gsf, 0, operation);
        var actual = new float[levelled.Length];
        new FftFilter(kind, cutoff).Run(levelled, actual, w, h, default);

        Assert.Equal((w, h), (expected.XRes, expected.YRes));
        var range = expected.Data.Max() - expected.Data.Min();
        var worst = 0.0;
        for (var i = 0; i < actual.Length; i++)
        {
            // One float32 ulp of Gwyddion's value is allowed on top: our result is float32.
            var value = (float)Math.Abs(expected.Data[i]);
            worst = Math.Max(worst, Math.Abs(expected.Data[i] - actual[i]) - (MathF.BitIncrement(value) - value));
        }

        var line = string.Create(CultureInfo.InvariantCulture,
            $"{source} '{channel.Descriptor.Key}' {w}×{h} {kind} F={cutoff} vs {operation}: max |Δ|/range = {worst / range:E2}");
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        Assert.True(range > 0, line);
        Assert.True(worst <= 1e-5 * range, line);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
