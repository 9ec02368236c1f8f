using AfmEdge.Cli;
using AfmEdge.EndToEnd.Tests.Support;

namespace AfmEdge.EndToEnd.Tests;

// The bench commands' numbers are measurements, not test results: these tests only check that each command runs
// its work for real and reports every figure it names.
public sealed class BenchCommandTests
{
    [Theory]
    [InlineData(new[] { "bench", "pipeline", "--pixels", "32", "--frames", "3", "--source", "TestPattern" }, "3 published")]
    [InlineData(new[] { "bench", "pipeline", "--pixels", "32", "--frames", "3", "--source", "TestPattern", "--repeat-after", "1" }, "TestPattern (first 1 frames scanned, then replayed) 32²")]
    [InlineData(new[] { "bench", "pipeline", "--pixels", "32", "--frames", "3", "--source", "TestPattern", "--set", "AfmEdge:Pipeline:AnalyseEvery=2" }, "3 published")]
    [InlineData(new[] { "bench", "pipeline", "--pixels", "32", "--frames", "2", "--source", "TestPattern" }, "mean working time per frame: Processing")]
    [InlineData(new[] { "bench", "pipeline", "--pixels", "32", "--frames", "3", "--source", "TestPattern" }, "ms processor time over all threads")]
    [InlineData(new[] { "bench", "pipeline", "--pixels", "32", "--frames", "3", "--source", "TestPattern" }, "the pipeline kept them")]
    [InlineData(new[] { "bench", "pipeline", "--pixels", "32", "--frames", "3", "--source", "TestPattern", "--stage-frames", "0" }, "; JIT compiling ")]
    [InlineData(new[] { "bench", "pipeline", "--pixels", "32", "--frames", "2", "--source", "TestPattern", "--repeat-after", "2", "--stage-frames", "2" }, "Acquisition ")]
    [InlineData(new[] { "bench", "pipeline", "--pixels", "32", "--frames", "2", "--source", "TestPattern", "--stage-frames", "2" }, "each stage alone, 2 frames (64² after enhancement)")]
    [InlineData(new[] { "bench", "pipeline", "--pixels", "32", "--frames", "2", "--source", "TestPattern", "--set", "AfmEdge:Mqtt:ChunkBytes=1048576" }, "2 published")]
    [InlineData(new[] { "bench", "pipeline", "--pixels", "32", "--frames", "4", "--source", "TestPattern", "--stage-frames", "0", "--allocations" }, "MiB per frame; the top 10:")]
    [InlineData(new[] { "bench", "formats", "--budget-ms", "20", "--loh-threshold", "0" }, ".gsf ×4 (4.2 MB): parse from memory")]
    [InlineData(new[] { "bench", "formats", "--budget-ms", "20", "--loh-threshold", "0" }, "page faults); into new channel arrays")]
    [InlineData(new[] { "bench", "formats", "--budget-ms", "20" }, "large object heap from 2097152 bytes")]
    [InlineData(new[] { "bench", "simulate", "--budget-ms", "20" }, "pairs/s on 1 thread")]
    [InlineData(new[] { "bench", "process", "--sizes", "32", "--budget-ms", "1", "--no-gwyddion" }, "align-rows:median,level:plane,scars,register:probes")]
    public async Task Bench_SmallBudget_ReportsItsFigures(string[] args, string expected)
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = await AfmEdgeCli.InvokeAsync(args, output, error, TestContext.Current.CancellationToken);

        Assert.True(exit == ExitCodes.Ok, error.ToString());
        Assert.Contains(expected, output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("enhance", "--pixels", "16", "--layers", "2", "--features", "4", "--budget-ms", "20")]
    [InlineData("pipeline", "--pixels", "32", "--frames", "2", "--source", "TestPattern", "--stage-frames", "0")]
    public async Task Bench_Header_NamesTheProcessorAndItsVectors(params string[] args)
    {
        // The same build runs at twice the rate on one 2-core machine as on another: a figure needs its processor beside it.
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = await AfmEdgeCli.InvokeAsync(["bench", .. args], output, error, TestContext.Current.CancellationToken);

        Assert.True(exit == ExitCodes.Ok, error.ToString());
        var text = output.ToString();
        Assert.Contains($"{Environment.ProcessorCount} cores, ", text, StringComparison.Ordinal);
        var model = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").Where(l => l.StartsWith("model name", StringComparison.Ordinal)).Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()).FirstOrDefault()
            : null;
        if (!string.IsNullOrEmpty(model))
        {
            Assert.Contains(model, text, StringComparison.Ordinal);
        }

        Assert.Matches("AVX-512|AVX2|128-bit vectors|no vector unit", text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BenchMemory_OneSizeInThisProcess_ReportsFrameAndPeakBytes(bool streamed)
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("Peak RSS is read from /proc.");
        }

        var output = new StringWriter();
        var error = new StringWriter();

        // The parent runs each size in a child process with these arguments; the child prints one line of bytes.
        string[] args = ["bench", "memory", "--child-pixels", "48", "--model-dir", Path.Combine(TestPaths.RepositoryRoot, "models"), "--tile", "32", "--threads", "1"];
        var exit = await AfmEdgeCli.InvokeAsync(streamed ? [.. args, "--child-streamed"] : args, output, error, TestContext.Current.CancellationToken);

        Assert.True(exit == ExitCodes.Ok, error.ToString());
        var words = output.ToString().Trim().Split(' ');
        Assert.Equal(["frame", "rss", "peak", "seconds"], [words[0], words[2], words[4], words[6]]);
        // fusion4: 4 input planes of 48² and 4 output planes of 96², float32; streamed, no frame is held at all.
        Assert.Equal(streamed ? 0 : ((4 * 48 * 48) + (4 * 96 * 96)) * sizeof(float), long.Parse(words[1], System.Globalization.CultureInfo.InvariantCulture));
        // The kernel folds per-thread page counts into RSS and its peak a few pages at a time, so allow a little slack.
        var rss = long.Parse(words[3], System.Globalization.CultureInfo.InvariantCulture);
        var peak = long.Parse(words[5], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(rss > 0 && peak >= rss - (1 << 20), output.ToString());
    }

    [Theory]
    [InlineData("memory", "0,512")]
    [InlineData("memory", "big")]
    [InlineData("memory", "99999999999")]
    [InlineData("process", "99999999999")]
    [InlineData("process", ",")]
    public async Task Bench_BadSizes_ExitsTwoNamingThem(string bench, string sizes)
    {
        var error = new StringWriter();
        var exit = await AfmEdgeCli.InvokeAsync(["bench", bench, "--sizes", sizes], new StringWriter(), error, TestContext.Current.CancellationToken);
        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains("--sizes", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--stage-frames", "-1" }, "--stage-frames -1")]
    [InlineData(new[] { "--set", "AfmEdge:Mqtt:ChunkBytes" }, "'AfmEdge:Mqtt:ChunkBytes' is not KEY=VALUE")]
    [InlineData(new[] { "--source", "Telescope" }, "AfmEdge:Source:Kind")]
    [InlineData(new[] { "--repeat-after", "-2" }, "AfmEdge:Source:RepeatAfter = -2")]
    public async Task BenchPipeline_BadOption_ExitsTwoNamingIt(string[] options, string expected)
    {
        var error = new StringWriter();
        var exit = await AfmEdgeCli.InvokeAsync(["bench", "pipeline", .. options], new StringWriter(), error, TestContext.Current.CancellationToken);
        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
    }
}
