using AfmEdge.Cli;
using AfmEdge.Formats.Gsf;

namespace AfmEdge.EndToEnd.Tests;

public sealed class ScanCommandTests
{
    [Fact]
    public async Task Scan_SmallFrame_WritesTraceAndRetraceGsfAndReportsSpeed()
    {
        var dir = Directory.CreateTempSubdirectory("afmedge-scan-").FullName;
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
    public async Task Scan_BadSettings_ExitsTwoAndWritesNothing(string option, string value)
    {
        var dir = Path.Combine(Directory.CreateTempSubdirectory("afmedge-scan-").FullName, "out");
        var error = new StringWriter();

        int code = await AfmEdgeCli.InvokeAsync(["scan", "--out", dir, option, value], new StringWriter(), error, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.BadUsageOrConfig, code);
        Assert.Contains("Invalid scan options", error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir));
    }
}
