namespace AfmEdge.Control.Tests;

// The scan loop's steady state allocates nothing per line (GC.GetAllocatedBytesForCurrentThread, measured by the
// engine itself). Its speed is a benchmark, not a test: `afmedge scan --pixels 512 --line-rate 1` prints × real time.
public sealed class ScanAllocationTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task Scan_512Lines_AllocatesNothingPerLine()
    {
        var options = VirtualRig.DefaultOptions(pixels: 512, lineRate: 1);
        using var rig = new VirtualRig(options);

        var result = await rig.ScanAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Null(result.Error);
        Assert.Equal(512, result.Lines.Count);
        Assert.Equal(0, rig.Engine.Statistics.MaxAllocatedBytesPerLine);
    }
}
