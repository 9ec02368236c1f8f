using System.Text.Json;
using Json.Schema;

namespace AfmEdge.Analysis.Tests;

public sealed class SummarySchemaTests
{
    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(SummaryJson.Schema()));

    [Theory]
    [InlineData(13, 128)]
    [InlineData(14, 128)]
    public void Summary_OfSimulatedScan_ValidatesAgainstSchemaV1(int seed, int pixels)
    {
        var summary = new FrameAnalyzer(TimeProvider.System).Analyze(SimulatedScan.Create(seed, pixels).Frame);
        Assert.True(summary.ChromosomeCount > 0);
        Assert.Equal(4, summary.Regions!.Count);
        Assert.Equal(4 * 4, summary.RegionStatistics!.Count);
        Assert.Equal(4 * 3, summary.RegionCorrelations!.Count);
        Assert.Equal(6 * 3, summary.RegionDifferences!.Count);
        AssertValid(SummaryJson.Serialize(summary));
        var back = SummaryJson.Deserialize(SummaryJson.Serialize(summary));
        Assert.Equal(summary.RegionCorrelations, back.RegionCorrelations);
    }

    [Fact]
    public void Summary_NoChromosome_ValidatesAndSaysSo()
    {
        var frame = ChromosomeAnalyzerTests.Synthetic(32, (x, y) => 0, (x, y) => x);
        var summary = new FrameAnalyzer(TimeProvider.System).Analyze(frame);
        Assert.Equal("no chromosome found", summary.Note);
        AssertValid(SummaryJson.Serialize(summary));
    }

    [Fact]
    public void Summary_WithoutChromosomeSections_StillValid()
    {
        // A summary written before the chromosome analysis existed stays valid under the extended schema.
        var json = """
            {"schemaVersion":1,"frameId":"20261125T101530123Z-000042","acquiredAt":"2026-11-25T10:15:30Z","analysedAt":"2026-11-25T10:15:30Z",
             "width":4,"height":4,"sizeX":1e-6,"sizeY":1e-6,"enhancer":"none","processing":[],
             "channels":[{"name":"Height","direction":"trace","unit":"m","mean":0,"stdDev":0,"min":0,"max":0,"nonFinite":0}],
             "correlations":[{"region":"frame","channel":"Current","pearson":0.5,"count":16}]}
            """u8.ToArray();
        AssertValid(json);
    }

    private static void AssertValid(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var result = Schema.Value.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, JsonSerializer.Serialize(result));
    }
}
