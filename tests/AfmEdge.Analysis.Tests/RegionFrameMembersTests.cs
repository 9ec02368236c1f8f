using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// A region frame's per-member arrays (correlated, pair, block), taken from the places its pass set only when asked: the same
/// whether the frame writes into the analysis's shared places or its own, and each member's pair and block are its pair's.
/// </summary>
public sealed class RegionFrameMembersTests
{
    [Theory]
    [InlineData(1, 40, 30)]
    [InlineData(2, 7, 5)]
    public void Create_SharedOrOwnPlaces_SameMemberArrays(int seed, int width, int rows)
    {
        var random = new Random(seed);
        var labels = Enumerable.Range(0, width * rows).Select(_ => (byte)(random.Next(10) < 6 ? 0 : random.Next(1, 4))).ToArray();
        var height = Enumerable.Range(0, width * rows).Select(i => random.Next(13) == 0 ? float.NaN : (float)random.NextDouble()).ToArray();
        var place = new int[width * rows];
        for (var region = 0; region < 4; region++)
        {
            var members = Enumerable.Range(0, labels.Length).Where(i => labels[i] == region).ToArray();
            using var shared = RegionFrame.Create(members, labels, height, width, rows, blockPixels: 4, guard: true, channels: 1, place, region);
            using var own = RegionFrame.Create(members, labels, height, width, rows, blockPixels: 4, guard: true, channels: 1);
            Assert.Equal(own.Pairs, shared.Pairs);
            var pairs = 0;
            for (var k = 0; k < members.Length; k++)
            {
                Assert.Equal(own.Correlated[k], shared.Correlated[k]);
                Assert.Equal(own.PairOf[k], shared.PairOf[k]);
                Assert.Equal(own.BlockOf[k], shared.BlockOf[k]);
                Assert.Equal(region, place[members[k]] >>> SortedChannel.PlaceBits);
                if (!shared.Correlated[k])
                {
                    Assert.Equal(-1, shared.PairOf[k]);
                    Assert.Equal(-1, shared.BlockOf[k]);
                    Assert.Equal(SortedChannel.Uncorrelated, place[members[k]] & SortedChannel.Uncorrelated);
                    continue;
                }

                // Pairs numbered in member order; a member's block is its pair's.
                Assert.Equal(pairs++, shared.PairOf[k]);
                Assert.Equal(shared.PairBlock[shared.PairOf[k]], shared.BlockOf[k]);
                Assert.Equal(shared.PairOf[k], place[members[k]] & SortedChannel.Uncorrelated);
            }

            Assert.Equal(pairs, shared.Pairs);
        }
    }
}
