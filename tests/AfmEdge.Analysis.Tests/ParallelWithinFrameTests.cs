using System.Text;
using AfmEdge.Analysis.Segmentation;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// <see cref="AnalysisOptions.ParallelWithinFrame"/> runs a frame's independent work side by side: each chromosome's axis,
/// split attempt and labels, and the halves of the segmentation's and statistics' long passes. The results must be the same
/// bits as one piece after the other, on frames with several chromosomes and with several objects split at once (their
/// pieces numbered from bases of their own, then moved to the serial numbers).
/// </summary>
public sealed class ParallelWithinFrameTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(2, TouchKind.Crossing)]
    [InlineData(24, TouchKind.Crossing)]
    [InlineData(2, TouchKind.Contact)]
    [InlineData(9, TouchKind.Contact)]
    public void Analyze_SeveralObjectsSplit_ParallelGivesTheSerialResults(long seed, TouchKind touch)
    {
        // Eight to ten chromosomes, many lying against or across another: several objects are split in one frame.
        var scan = SimulatedScan.Create(seed, 256, options: new SpecimenOptions
        {
            TouchProbability = 0.6, Touch = touch, ChromosomeCountMin = 8, ChromosomeCountMax = 10,
        });
        var serial = new ChromosomeAnalyzer(new AnalysisOptions { ParallelWithinFrame = false }).Analyze(scan.Frame);
        var parallel = new ChromosomeAnalyzer().Analyze(scan.Frame);
        output.WriteLine($"{parallel.Chromosomes.Count} chromosomes, {SplitObjects(parallel)} objects split, {parallel.Chromosomes.Count(c => c.IsCluster)} clusters");
        Assert.True(SplitObjects(serial) >= 2, "fewer than two objects were split: the case does not number pieces from several bases");

        AssertSame(serial, parallel);
    }

    [Fact]
    public void Analyze_HostTestPatternLike_ParallelGivesTheSerialResults()
    {
        // The instrument's noise and a half-size scan enlarged ×2 (as the host's enhanced frames): clusters kept whole beside
        // chromosomes measured on their own, and every statistics pass over a large background.
        var scan = SimulatedScan.HalfResolution(4, 512, new SpecimenOptions { TouchProbability = 0.5 });
        var serial = new ChromosomeAnalyzer(new AnalysisOptions { ParallelWithinFrame = false }).Analyze(scan.Frame);
        var parallel = new ChromosomeAnalyzer().Analyze(scan.Frame);
        Assert.True(parallel.Chromosomes.Count >= 2, "fewer than two chromosomes: nothing runs side by side");

        AssertSame(serial, parallel);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    public void OtsuAndSubstrate_InTwoHalves_SameAsOnePass(int seed, int kind)
    {
        // A rough substrate with raised blobs, NaN and ±∞ samples; the extremes in one half only, or in both.
        var random = new Random(seed);
        var data = new float[(1 << 16) + 40];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = random.Next(60) switch
            {
                0 => float.NaN,
                1 => kind == 1 ? float.PositiveInfinity : float.NegativeInfinity,
                < 6 => (float)(120e-9 * random.NextDouble()),
                _ => (float)(0.3e-9 * (random.NextDouble() - 0.5)),
            };
        }

        data[kind == 2 ? 10 : data.Length - 3] = 400e-9f;
        var otsu = HeightSegmenter.Otsu(data);
        Assert.Equal(BitConverter.DoubleToInt64Bits(otsu), BitConverter.DoubleToInt64Bits(HeightSegmenter.Otsu(data, data)));

        var (median, sigma) = HeightSegmenter.SubstrateLevel(data, otsu, parallel: false);
        var (halvesMedian, halvesSigma) = HeightSegmenter.SubstrateLevel(data, otsu, parallel: true);
        Assert.Equal(BitConverter.DoubleToInt64Bits(median), BitConverter.DoubleToInt64Bits(halvesMedian));
        Assert.Equal(BitConverter.DoubleToInt64Bits(sigma), BitConverter.DoubleToInt64Bits(halvesSigma));
        Assert.True(sigma > 0, "no spread in the substrate: the case tests nothing");
    }

    private static void AssertSame(ChromosomeAnalysis serial, ChromosomeAnalysis parallel)
    {
        Assert.Equal(serial.Segmentation.Instances.ToArray(), parallel.Segmentation.Instances.ToArray());
        Assert.Equal(serial.Segmentation.Leveled.ToArray(), parallel.Segmentation.Leveled.ToArray());
        Assert.Equal(serial.Labels, parallel.Labels);
        var summaries = new FrameAnalyzer(new StoppedClock());
        Assert.Equal(Encoding.UTF8.GetString(SummaryJson.Serialize(summaries.Summarize(serial))),
            Encoding.UTF8.GetString(SummaryJson.Serialize(summaries.Summarize(parallel))));
        Assert.Equal(serial.Chromosomes.Count, parallel.Chromosomes.Count);
        for (var k = 0; k < serial.Chromosomes.Count; k++)
        {
            Assert.Equal(serial.Chromosomes[k].Axis, parallel.Chromosomes[k].Axis);
            Assert.Equal(serial.Chromosomes[k].WidthProfile, parallel.Chromosomes[k].WidthProfile);
            Assert.Equal(serial.Chromosomes[k].HeightProfile, parallel.Chromosomes[k].HeightProfile);
        }
    }

    /// <summary>Objects of the instance image that hold more than one chromosome id: objects a splitter cut.</summary>
    private static int SplitObjects(ChromosomeAnalysis analysis) =>
        InstanceObjects.IdsPerObject(analysis.Segmentation.Instances, analysis.Frame.Width, analysis.Frame.Height).Count(ids => ids.Count > 1);

    private sealed class StoppedClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 11, 26, 7, 0, 0, TimeSpan.Zero);
    }
}
