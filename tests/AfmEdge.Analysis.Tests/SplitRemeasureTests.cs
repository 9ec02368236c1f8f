using AfmEdge.Analysis.Geometry;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// After a split the objects are numbered anew; those no split touched keep the axis and measurement taken before it
/// (their pixels did not change). They must be exactly what measuring them afresh under their new id gives, and their
/// labels what that axis draws.
/// </summary>
public sealed class SplitRemeasureTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(4)]
    [InlineData(12)]
    public void Analyze_FrameWithSplit_KeptChromosomesEqualFreshMeasurement(long seed)
    {
        // Chromosomes lying across each other (split into one instance each) beside others that touch nothing.
        var scan = SimulatedScan.Create(seed, 512, options: new SpecimenOptions { TouchProbability = 0.5 });
        var analysis = new ChromosomeAnalyzer().Analyze(scan.Frame);
        var segmentation = analysis.Segmentation;
        var frame = analysis.Frame;
        output.WriteLine(string.Join(", ", analysis.Chromosomes.Select(c => $"{c.Id}{(c.IsCluster ? " cluster" : "")}")));
        // More instances than connected objects: some object was split.
        Assert.True(InstanceObjects.IdsPerObject(segmentation.InstanceData, frame.Width, frame.Height).Count < analysis.Chromosomes.Count, "no object was split: the case tests nothing");

        var labels = new byte[frame.Width * frame.Height];
        var compared = 0;
        foreach (var kept in analysis.Chromosomes.Where(c => !c.IsCluster))
        {
            var box = InstanceObjects.Box(segmentation.InstanceData, frame.Width, kept.Id);
            var axis = new ChromosomeAxis(segmentation.InstanceData, frame.Width, frame.Height, kept.Id);
            var fresh = axis.Measure(segmentation.LeveledData, box, frame.PixelSizeX, frame.PixelSizeY, analysis.Options);
            axis.Label(box, labels);

            Assert.Equal(fresh.Id, kept.Id);
            Assert.Equal(fresh.PixelCount, kept.PixelCount);
            Assert.Equal(fresh.Length, kept.Length);
            Assert.Equal(fresh.Width, kept.Width);
            Assert.Equal(fresh.Volume, kept.Volume);
            Assert.Equal(fresh.Centromere, kept.Centromere);
            Assert.Equal(fresh.CentromericIndex, kept.CentromericIndex);
            Assert.Equal(fresh.ArmsAssigned, kept.ArmsAssigned);
            Assert.Equal(fresh.Axis, kept.Axis);
            Assert.Equal(fresh.WidthProfile, kept.WidthProfile);
            Assert.Equal(fresh.HeightProfile, kept.HeightProfile);
            for (var i = 0; i < labels.Length; i++)
            {
                if (segmentation.InstanceData[i] == kept.Id)
                {
                    Assert.Equal(labels[i], analysis.Labels[i]);
                }
            }

            compared++;
        }

        Assert.True(compared > 0, "no chromosome outside the split: the case tests nothing");
    }
}
