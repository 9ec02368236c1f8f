using AfmEdge.Cli;

namespace AfmEdge.EndToEnd.Tests;

// The bench commands' numbers are measurements, not test results: these tests only check that each command runs
// its work for real and reports every figure it names.
public sealed class BenchCommandTests
{
    [Theory]
    [InlineData(new[] { "bench", "pipeline", "--pixels", "32", "--frames", "3", "--source", "TestPattern" }, "3 published")]
    [InlineData(new[] { "bench", "formats", "--budget-ms", "20" }, "open .gsf ×4")]
    [InlineData(new[] { "bench", "simulate", "--budget-ms", "20" }, "pairs/s on 1 thread")]
    [InlineData(new[] { "bench", "process", "--sizes", "32", "--budget-ms", "1", "--no-gwyddion" }, "4-channel 32² frame, align-rows:median,level:plane,scars,register:probes")]
    public async Task Bench_SmallBudget_ReportsItsFigures(string[] args, string expected)
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = await AfmEdgeCli.InvokeAsync(args, output, error, TestContext.Current.CancellationToken);

        Assert.True(exit == ExitCodes.Ok, error.ToString());
        Assert.Contains(expected, output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchPipeline_UnknownSource_ExitsTwo()
    {
        var error = new StringWriter();
        var exit = await AfmEdgeCli.InvokeAsync(["bench", "pipeline", "--source", "Telescope"], new StringWriter(), error, TestContext.Current.CancellationToken);
        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains("AfmEdge:Source:Kind", error.ToString(), StringComparison.Ordinal);
    }
}
