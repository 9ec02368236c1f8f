using AfmEdge.Simulation.VirtualAfm;

namespace AfmEdge.Control.Tests;

/// <summary>
/// What the Height channel records: the Z command, where the piezo really was (<see cref="ScanEngineOptions.ZResponseSeconds"/>),
/// and the feedback's error added (<see cref="ScanEngineOptions.HeightIncludesError"/>), each against the surface the tip touched.
/// </summary>
public sealed class HeightRecordingTests
{
    private const int Pixels = 32;

    [Fact]
    public async Task HeightIncludesError_WhereTheLoopLags_RecordsTheSurface()
    {
        // A loop that takes out a fifth of the error per point trails the bump's flanks by several points.
        var sluggish = Sluggish(VirtualRig.DefaultOptions(Pixels), integralStep: 0.2);

        var zAlone = await HeightErrorAsync(sluggish, new VirtualAfmOptions());
        var withError = await HeightErrorAsync(sluggish with { HeightIncludesError = true }, new VirtualAfmOptions());

        Assert.InRange(zAlone, 5e-9, 100e-9);
        Assert.True(withError < 0.5e-9, $"Height with the error {withError * 1e9:0.00} nm RMS off the surface, Z alone {zAlone * 1e9:0.00} nm.");
    }

    [Fact]
    public async Task HeightIncludesError_InSteadyContact_IsZAlone()
    {
        // A loop that keeps up leaves a deflection error of noise size: adding it changes Height by no more than that.
        var options = VirtualRig.DefaultOptions(Pixels);
        var flat = new BumpSurface([new Bump(0, 0, 300e-9, 1e-12)]);

        var zAlone = await ScanHeightsAsync(options, new VirtualAfmOptions(), flat);
        var withError = await ScanHeightsAsync(options with { HeightIncludesError = true }, new VirtualAfmOptions(), flat);

        var largest = zAlone.Zip(withError, (a, b) => Math.Abs(a - b)).Max();
        Assert.InRange(largest, 0, 0.5e-9);
    }

    [Fact]
    public async Task ZResponseSeconds_APiezoSlowerThanAPoint_RecordsWhereItWas()
    {
        // The piezo takes 1.5 points to answer a step: the command the loop has just written runs ahead of the tip that made
        // the sample, and Height plus the error measures the surface only with the piezo's own position.
        var options = VirtualRig.DefaultOptions(Pixels);
        var slowPiezo = new VirtualAfmOptions { PiezoTimeConstant = 1.5 * options.PointSeconds };
        var sluggish = Sluggish(options, integralStep: 0.2) with { HeightIncludesError = true };

        var command = await HeightErrorAsync(sluggish, slowPiezo);
        var modelled = await HeightErrorAsync(sluggish with { ZResponseSeconds = slowPiezo.PiezoTimeConstant }, slowPiezo);

        Assert.InRange(command, 1e-9, 100e-9);
        Assert.True(modelled < 0.5e-9, $"Height from the modelled piezo {modelled * 1e9:0.00} nm RMS off the surface, from the command {command * 1e9:0.00} nm.");
    }

    [Theory]
    [InlineData(-1e-6)]
    [InlineData(2.0)]
    [InlineData(double.NaN)]
    public void ZResponseSeconds_OutOfRange_ClearError(double seconds)
    {
        var bad = VirtualRig.DefaultOptions() with { ZResponseSeconds = seconds };

        var e = Assert.Throws<ArgumentException>(() => new VirtualRig(bad));
        Assert.Contains("ZResponseSeconds", e.Message, StringComparison.Ordinal);
    }

    private static ScanEngineOptions Sluggish(ScanEngineOptions options, double integralStep) =>
        options with { Gains = new PidGains(0, integralStep / (0.5 * options.PointSeconds), 0) };

    /// <summary>
    /// RMS of the trace's Height less the surface where the tip was, their mean difference taken out (Height's zero is
    /// arbitrary). The X piezo answers as Z does: along a line stepping Δ a point it trails its command by Δ(1 − a)/a, a the
    /// share of a step it makes in a point.
    /// </summary>
    private static async Task<double> HeightErrorAsync(ScanEngineOptions options, VirtualAfmOptions afm)
    {
        var surface = VirtualRig.DefaultSurface();
        var heights = await ScanHeightsAsync(options, afm, surface);
        var scan = options.Scan;
        var follow = 1 - Math.Exp(-options.PointSeconds / afm.PiezoTimeConstant);
        var trail = scan.SizeX / scan.PixelsX * (1 - follow) / follow;
        var differences = new double[heights.Length];
        for (var i = 0; i < heights.Length; i++)
        {
            var (x, y) = (i % scan.PixelsX, i / scan.PixelsX);
            var u = ((((x + 0.5) / scan.PixelsX) - 0.5) * scan.SizeX) - trail;
            var v = (((y + 0.5) / scan.PixelsY) - 0.5) * scan.SizeY;
            differences[i] = heights[i] - surface.HeightAt(u, v);
        }

        var mean = differences.Average();
        return Math.Sqrt(differences.Average(d => (d - mean) * (d - mean)));
    }

    private static async Task<double[]> ScanHeightsAsync(ScanEngineOptions options, VirtualAfmOptions afm, ISurface surface)
    {
        using var rig = new VirtualRig(options, surface, afm);
        var result = await rig.ScanAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Null(result.Error);
        return [.. result.Heights.SelectMany(line => line.Select(h => (double)h))];
    }
}
