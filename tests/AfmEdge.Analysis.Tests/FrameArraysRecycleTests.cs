namespace AfmEdge.Analysis.Tests;

public sealed class FrameArraysRecycleTests
{
    [Fact]
    public void Analyze_AfterOtherFramesRecycledTheirArrays_GivesTheSameSummaryAsAFreshRun()
    {
        // The host's analyser hands each frame's leveled height, instance ids and labels to the next frame: a frame with
        // other chromosomes in between (and one of another size) must leave nothing behind in them.
        var time = new StoppedClock();
        var first = SimulatedScan.Create(13, 128).Frame;
        var analyzer = new FrameAnalyzer(time);
        var before = SummaryJson.Serialize(analyzer.Analyze(first));

        Assert.True(analyzer.Analyze(SimulatedScan.Create(14, 128).Frame).ChromosomeCount > 0);
        Assert.True(analyzer.Analyze(SimulatedScan.Create(15, 96).Frame).ChromosomeCount > 0);
        var again = SummaryJson.Serialize(analyzer.Analyze(first));

        Assert.Equal(System.Text.Encoding.UTF8.GetString(before), System.Text.Encoding.UTF8.GetString(again));
    }

    private sealed class StoppedClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 11, 26, 7, 0, 0, TimeSpan.Zero);
    }
}
