using System.Diagnostics;

namespace AfmEdge.Control.Tests;

// The figure: a 512-line closed-loop frame (trace + retrace, 512 points each) through the
// emulated chips at 1 line/s must run ≥ 50× faster than real time with nothing allocated per line.
public sealed class ScanBenchmarkTests
{
    [Fact]
    [Trait("Category", "Benchmark")]
    public async Task Scan_512Lines_FiftyTimesRealTimeAndNoAllocation()
    {
        var options = VirtualRig.DefaultOptions(pixels: 512, lineRate: 1);
        using var rig = new VirtualRig(options);
        var wall = Stopwatch.StartNew();
        var result = await rig.ScanAsync(cancellationToken: TestContext.Current.CancellationToken);
        wall.Stop();

        Assert.Null(result.Error);
        Assert.Equal(512, result.Lines.Count);
        var stats = rig.Engine.Statistics;
        double speedup = options.Scan.FrameTime.TotalSeconds / wall.Elapsed.TotalSeconds;
        TestContext.Current.SendDiagnosticMessage(
            $"512×512 closed loop: {wall.Elapsed.TotalSeconds:0.00} s wall, {speedup:0}× real time; {stats.AllocatedBytesPerLine} B/line; " +
            $"lateness p50 {stats.LatenessPercentile(50).TotalMicroseconds} µs p99 {stats.LatenessPercentile(99).TotalMicroseconds} µs max {stats.MaxLateness.TotalMicroseconds} µs (virtual clock)");
        Assert.True(speedup >= 50, $"only {speedup:0.0}× faster than real time");
        Assert.Equal(0, stats.MaxAllocatedBytesPerLine);
    }
}
