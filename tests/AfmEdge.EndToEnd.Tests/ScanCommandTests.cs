using AfmEdge.Cli;
using AfmEdge.EndToEnd.Tests.Support;
using AfmEdge.Formats.Gsf;

namespace AfmEdge.EndToEnd.Tests;

public sealed class ScanCommandTests
{
    [Fact]
    public async Task Scan_SmallFrame_WritesTraceAndRetraceGsfAndReportsSpeed()
    {
        var dir = Scratch.Folder("afmedge-scan-").FullName;
        var output = new StringWriter();
        var error = new StringWriter();

        int code = await AfmEdgeCli.InvokeAsync(["scan", "--out", dir, "--pixels", "32", "--line-rate", "4"], output, error, TestContext.Current.CancellationToken);

        Assert.True(code == ExitCodes.Ok, error.ToString());
        foreach (var name in new[] { "Height", "Deflection", "Current", "Potential", "Adhesion" })
        {
            Assert.True(File.Exists(Path.Combine(dir, name + ".gsf")), name);
            Assert.True(File.Exists(Path.Combine(dir, name + "-retrace.gsf")), name + "-retrace");
        }

        var height = GsfReader.Read(Path.Combine(dir, "Height.gsf"));
        Assert.Equal(32, height.Width);
        Assert.Contains("faster than real time", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--pixels", "4")]
    [InlineData("--line-rate", "0")]
    [InlineData("--size-um", "50")]
    [InlineData("--watchdog-slack-ms", "5000")]
    [InlineData("--overscan", "0.6")]
    public async Task Scan_BadSettings_ExitsTwoAndWritesNothing(string option, string value)
    {
        var dir = Path.Combine(Scratch.Folder("afmedge-scan-").FullName, "out");
        var error = new StringWriter();

        int code = await AfmEdgeCli.InvokeAsync(["scan", "--out", dir, option, value], new StringWriter(), error, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.BadUsageOrConfig, code);
        Assert.Contains("Invalid scan options", error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task Scan_Seed_ScansTheSpecimenSimulateRenders()
    {
        var root = Scratch.Folder("afmedge-scan-sim-").FullName;
        string[] common = ["--pixels", "48", "--seed", "4", "--size-um", "9"];
        var token = TestContext.Current.CancellationToken;
        Assert.Equal(ExitCodes.Ok, await AfmEdgeCli.InvokeAsync(["scan", "--out", Path.Combine(root, "scan"), "--line-rate", "1", .. common], new StringWriter(), new StringWriter(), token));
        Assert.Equal(ExitCodes.Ok, await AfmEdgeCli.InvokeAsync(["simulate", "--out", Path.Combine(root, "sim"), "--clean", .. common], new StringWriter(), new StringWriter(), token));

        var scanned = AfmEdge.Formats.Gsf.GsfReader.Read(Path.Combine(root, "scan", "Height.gsf")).Channels[0].Data.ToArray();
        var truth = AfmEdge.Formats.Gsf.GsfReader.Read(Path.Combine(root, "sim", "Height.gsf")).Channels[0].Data.ToArray();
        var flipped = Enumerable.Range(0, 48).SelectMany(row => truth.Skip((47 - row) * 48).Take(48)).ToArray();

        // The closed loop lags on the chromosomes' steep flanks, so the match is partial, but it is the same
        // specimen the same way up: clearly correlated as is, and much less so upside down.
        var same = AfmEdge.Analysis.Correlation.Pearson(scanned, truth).R;
        var upsideDown = AfmEdge.Analysis.Correlation.Pearson(scanned, flipped).R;
        Assert.True(same > 0.4, $"r = {same:F2}");
        Assert.True(same > upsideDown + 0.2, $"r = {same:F2}, flipped {upsideDown:F2}");
    }

    [Fact]
    public async Task Scan_Overscan_KeepsThePixelsAndScansTheSameField()
    {
        var root = Scratch.Folder("afmedge-scan-overscan-").FullName;
        string[] common = ["--pixels", "48", "--seed", "4", "--size-um", "9", "--line-rate", "2"];
        var token = TestContext.Current.CancellationToken;
        Assert.Equal(ExitCodes.Ok, await AfmEdgeCli.InvokeAsync(["scan", "--out", Path.Combine(root, "plain"), .. common], new StringWriter(), new StringWriter(), token));
        Assert.Equal(ExitCodes.Ok, await AfmEdgeCli.InvokeAsync(["scan", "--out", Path.Combine(root, "over"), "--overscan", "0.1", .. common], new StringWriter(), new StringWriter(), token));

        var plain = GsfReader.Read(Path.Combine(root, "plain", "Height.gsf"));
        var over = GsfReader.Read(Path.Combine(root, "over", "Height.gsf"));
        Assert.Equal((48, 48), (over.Width, over.Height));
        Assert.Equal(plain.SizeX, over.SizeX);

        // The turnaround points are scanned and dropped: the kept pixels sit where the plain scan's do.
        var r = AfmEdge.Analysis.Correlation.Pearson(plain.Channels[0].Data.ToArray(), over.Channels[0].Data.ToArray()).R;
        Assert.True(r > 0.95, $"r = {r:F3}");
    }
}
