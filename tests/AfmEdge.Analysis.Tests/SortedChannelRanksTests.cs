using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// A region's ranks walked off its sorted values: 1-based, ties averaged, among the members picked only (the correlated
/// pairs), whether a value stands alone (the walk's fast path) or is shared.
/// </summary>
public sealed class SortedChannelRanksTests
{
    [Theory]
    [InlineData(1, 2000, 1000000)]
    [InlineData(2, 2000, 7)]
    [InlineData(3, 1, 3)]
    [InlineData(4, 517, 40)]
    public void Ranks_SubsetOfMembers_AveragedRanksAmongThem(int seed, int count, int distinct)
    {
        var random = new Random(seed);
        var data = Enumerable.Range(0, count).Select(_ => (float)random.Next(distinct)).ToArray();
        var place = Enumerable.Range(0, count).ToArray(); // region 0, member i = pixel i
        var picked = Enumerable.Range(0, count).Select(_ => random.Next(4) != 0).ToArray();
        var pairOf = new int[count];
        var pairs = 0;
        for (var i = 0; i < count; i++)
        {
            pairOf[i] = picked[i] ? pairs++ : -1;
        }

        using var order = FrameOrder.Create(data);
        var regions = new SortedChannel?[1];
        SortedChannel.Split(order, place, [count], regions);
        using var sorted = regions[0]!;
        var ranks = new float[pairs];
        sorted.Ranks(pairOf, ranks);

        for (var i = 0; i < count; i++)
        {
            if (picked[i])
            {
                var below = Enumerable.Range(0, count).Count(j => picked[j] && data[j] < data[i]);
                var equal = Enumerable.Range(0, count).Count(j => picked[j] && data[j] == data[i]);
                Assert.Equal(below + (0.5 * (equal + 1)), ranks[pairOf[i]]);
            }
        }
    }
}
