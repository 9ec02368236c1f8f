using AfmEdge.Analysis.Segmentation;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// A skeleton that falls into more chains than chromosomes lying across each other give (a grid of bars here, a blob cut
/// by the frame's edge in the host's test pattern) is a tangle: the object stays one cluster. A plain cross still splits.
/// </summary>
public sealed class CrossingTangleTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 0)]
    public void Split_GridOfBars_SplitsACrossOnly(int bars, int expectedNewIds)
    {
        // bars × bars ribbons 600 nm wide, 8 µm long, 1.6 µm apart, 39 nm pixels; heights add where they cross.
        const int Size = 320;
        const double Pixel = 20e-6 / 512;
        var instances = new int[Size * Size];
        var leveled = new float[Size * Size];
        var spacing = 40;
        var first = (Size / 2) - ((bars - 1) * spacing / 2);
        for (var b = 0; b < bars; b++)
        {
            var centre = first + (b * spacing);
            for (var along = 40; along < Size - 40; along++)
            {
                for (var across = -8; across < 8; across++)
                {
                    foreach (var i in (ReadOnlySpan<int>)[(along * Size) + centre + across, ((centre + across) * Size) + along])
                    {
                        instances[i] = 1;
                        leveled[i] += 100e-9f;
                    }
                }
            }
        }

        var before = (int[])instances.Clone();
        var axes = new Dictionary<int, (double X, double Y)[]>();
        var inside = Enumerable.Range(0, instances.Length).Where(i => instances[i] != 0).ToArray();
        var box = (inside.Min(i => i % Size), inside.Min(i => i / Size), inside.Max(i => i % Size), inside.Max(i => i / Size));
        var added = CrossingSplitter.Split(instances, Size, Size, leveled, 1, box, Pixel, Pixel, new AnalysisOptions(), 2, axes, new bool[Size * Size]);

        Assert.Equal(expectedNewIds, added);
        if (expectedNewIds == 0)
        {
            Assert.Equal(before, instances);
        }
    }
}
