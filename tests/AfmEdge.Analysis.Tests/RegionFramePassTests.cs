using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// A region frame's pass over long runs of members (the background's rows, a chromosome's), which it takes eight at a time,
/// against the definition member by member: pairs, their heights and blocks, places, both sums to the bit, the interior count.
/// </summary>
public sealed class RegionFramePassTests
{
    [Theory]
    [InlineData(1, 61, 37, 5, true)]
    [InlineData(2, 64, 40, 8, true)]
    [InlineData(3, 47, 23, 3, false)]
    [InlineData(4, 9, 9, 4, true)]
    public void Create_LongRuns_MatchesMemberByMemberDefinition(int seed, int width, int rows, int blockPixels, bool guard)
    {
        var random = new Random(seed);
        var labels = new byte[width * rows];

        // Rectangles of the chromosome regions over background, some touching the frame's edges, and a few stray pixels.
        for (var r = 0; r < 6; r++)
        {
            int x0 = random.Next(-3, width), y0 = random.Next(-3, rows), w = random.Next(2, 20), h = random.Next(2, 12);
            var label = (byte)random.Next(1, 4);
            for (var y = Math.Max(0, y0); y < Math.Min(rows, y0 + h); y++)
            {
                for (var x = Math.Max(0, x0); x < Math.Min(width, x0 + w); x++)
                {
                    labels[(y * width) + x] = label;
                }
            }
        }

        for (var i = 0; i < 15; i++)
        {
            labels[random.Next(labels.Length)] = (byte)random.Next(0, 4);
            labels[random.Next(labels.Length)] = RegionAnalysis.Excluded;
        }

        var height = Enumerable.Range(0, labels.Length)
            .Select(_ => random.Next(40) switch { 0 => float.NaN, 1 => float.PositiveInfinity, _ => (float)((random.NextDouble() - 0.3) * 1e-8) })
            .ToArray();
        for (var region = 0; region < 4; region++)
        {
            var members = Enumerable.Range(0, labels.Length).Where(i => labels[i] == region).ToArray();
            var place = new int[labels.Length];
            using var frame = RegionFrame.Create(members, labels, height, width, rows, blockPixels, guard, channels: 1, place, region);
            var expected = Reference(members, labels, height, width, rows, blockPixels, guard);
            Assert.Equal(expected.Pairs.Count, frame.Pairs);
            Assert.Equal(expected.Blocks, frame.Blocks);
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected.HeightSum), BitConverter.DoubleToInt64Bits(frame.HeightSum));
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected.Volume), BitConverter.DoubleToInt64Bits(frame.HeightVolume));
            for (var q = 0; q < frame.Pairs; q++)
            {
                var (p, block) = expected.Pairs[q];
                Assert.Equal((double)height[p], frame.PairHeight[q]);
                Assert.Equal(block, frame.PairBlock[q]);
                Assert.Equal((region << SortedChannel.PlaceBits) | q, place[p]);
            }

            var pairOf = expected.Pairs.Select((pair, q) => (pair.Pixel, q)).ToDictionary(e => e.Pixel, e => e.q);
            foreach (var p in members.Where(p => !pairOf.ContainsKey(p)))
            {
                Assert.Equal((region << SortedChannel.PlaceBits) | SortedChannel.Uncorrelated, place[p]);
            }
        }
    }

    private static (List<(int Pixel, int Block)> Pairs, int Blocks, double HeightSum, double Volume) Reference(int[] members, byte[] labels,
        float[] height, int width, int rows, int blockPixels, bool guard)
    {
        var interior = members.Select(p => !guard || Interior(p)).ToArray();
        var thin = guard && interior.Count(i => i) < 3;
        var slots = new Dictionary<int, int>();
        var pairs = new List<(int Pixel, int Block)>();
        double heightSum = 0, volume = 0;
        for (var k = 0; k < members.Length; k++)
        {
            var p = members[k];
            var h = height[p];
            if (float.IsFinite(h))
            {
                volume += h;
            }

            if (!(interior[k] || thin) || !float.IsFinite(h))
            {
                continue;
            }

            var block = (p / width / blockPixels * ((width + blockPixels - 1) / blockPixels)) + (p % width / blockPixels);
            if (!slots.TryGetValue(block, out var slot))
            {
                slot = slots.Count;
                slots[block] = slot;
            }

            pairs.Add((p, slot));
            heightSum += h;
        }

        return (pairs, slots.Count, heightSum, volume);

        bool Interior(int p)
        {
            int x = p % width, y = p / width;
            var l = labels[p];
            return (x == 0 || Same(labels[p - 1], l)) && (x == width - 1 || Same(labels[p + 1], l))
                   && (y == 0 || Same(labels[p - width], l)) && (y == rows - 1 || Same(labels[p + width], l));
        }

        static bool Same(byte neighbour, byte label) => neighbour == label || neighbour == 0;
    }
}
