using AfmEdge.Analysis.Geometry;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// The touching split reads only whether a union of basins measures as a cluster, through
/// <see cref="ChromosomeAxis.MeasuresAsCluster"/>, which stops once a test has decided. It must give what the full
/// <see cref="ChromosomeAxis.Measure"/> gives as <see cref="ChromosomeMeasurement.IsCluster"/>, for single chromosomes and
/// for whole objects of several (touching, crossing), measured as pieces or not.
/// </summary>
public sealed class AxisClusterOnlyTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(12)]
    public void MeasuresAsCluster_ChromosomesAndWholeObjects_EqualsFullMeasurement(long seed)
    {
        var scan = SimulatedScan.Create(seed, 512, options: new SpecimenOptions { TouchProbability = 0.5 });
        var analysis = new ChromosomeAnalyzer().Analyze(scan.Frame);
        var (width, rows) = (analysis.Frame.Width, analysis.Frame.Height);
        var leveled = analysis.Segmentation.LeveledData;
        var (clusters, ones) = (0, 0);
        foreach (var instances in new[] { analysis.Segmentation.InstanceData, WholeObjects(analysis.Segmentation.InstanceData, width, rows) })
        {
            foreach (var id in instances.Where(i => i != 0).Distinct())
            {
                var box = InstanceObjects.Box(instances, width, id);
                foreach (var split in new[] { false, true })
                {
                    var full = new ChromosomeAxis(instances, width, rows, id).Measure(leveled, box, analysis.Frame.PixelSizeX, analysis.Frame.PixelSizeY, analysis.Options, split);
                    var only = new ChromosomeAxis(instances, width, rows, id).MeasuresAsCluster(leveled, box, analysis.Frame.PixelSizeX, analysis.Frame.PixelSizeY, analysis.Options, split);
                    Assert.Equal(full.IsCluster, only);
                    (clusters, ones) = only ? (clusters + 1, ones) : (clusters, ones + 1);
                }
            }
        }

        output.WriteLine($"{clusters} measured as clusters, {ones} as one chromosome");
        Assert.True(clusters > 0 && ones > 0, "one outcome never met: the case tests little");
    }

    /// <summary>Every 8-connected object under one id (its chromosomes in contact merged back).</summary>
    private static int[] WholeObjects(int[] instances, int width, int rows)
    {
        var whole = new int[instances.Length];
        var stack = new Stack<int>();
        var next = 0;
        for (var start = 0; start < instances.Length; start++)
        {
            if (instances[start] == 0 || whole[start] != 0)
            {
                continue;
            }

            whole[start] = ++next;
            stack.Push(start);
            while (stack.TryPop(out var p))
            {
                for (var dy = -1; dy <= 1; dy++)
                {
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        int x = (p % width) + dx, y = (p / width) + dy;
                        if ((uint)x < (uint)width && (uint)y < (uint)rows && instances[(y * width) + x] != 0 && whole[(y * width) + x] == 0)
                        {
                            whole[(y * width) + x] = next;
                            stack.Push((y * width) + x);
                        }
                    }
                }
            }
        }

        return whole;
    }
}
