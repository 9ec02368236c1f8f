namespace AfmEdge.Processing.Tests;

/// <summary>Pins the selection's split histogram and vector bucket gather to the scalar loops they replaced.</summary>
public sealed class SelectionPinTests
{
    [Theory]
    [InlineData(4095)]
    [InlineData(4096)]
    [InlineData(65539)]
    public void Count_SplitHistogram_EqualsScalarHistogram(int length)
    {
        var random = new Random(length);
        var buckets = new byte[length];
        for (var i = 0; i < length; i++)
        {
            // Peaked, with runs of one bucket, as a frame's differences give.
            buckets[i] = (byte)Math.Clamp(128 + (int)((random.NextDouble() + random.NextDouble() - 1) * 60), 0, 255);
        }

        var expected = new int[256];
        foreach (var b in buckets)
        {
            expected[b]++;
        }

        var histogram = new int[256];
        Array.Fill(histogram, -7);
        Selection.Count(buckets, histogram);

        Assert.Equal(expected, histogram);
    }

    [Theory]
    [InlineData(31, 125)]
    [InlineData(1000, 128)]
    [InlineData(65537, 130)]
    public void GatherBucket_EqualsScalarSwaps(int length, int bucket)
    {
        var random = new Random(length + bucket);
        var buckets = new byte[length];
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            buckets[i] = (byte)random.Next(120, 140);
            values[i] = (float)random.NextDouble();
        }

        var expected = (float[])values.Clone();
        var expectedCount = 0;
        for (var i = 0; i < length; i++)
        {
            if (buckets[i] == bucket)
            {
                (expected[i], expected[expectedCount]) = (expected[expectedCount], expected[i]);
                expectedCount++;
            }
        }

        var count = Selection.GatherBucket(values, buckets, (byte)bucket);

        Assert.True(expectedCount > 0, "the bucket should hold some values");
        Assert.Equal(expectedCount, count);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), values.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData(65536)]
    [InlineData(5000)]
    public void Kth_FrameSized_EqualsSortedRank(int length)
    {
        var random = new Random(length);
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = (float)((random.NextDouble() + random.NextDouble() - 1) * 1e-9);
        }

        var sorted = (float[])values.Clone();
        Array.Sort(sorted);
        foreach (var k in (int[])[0, length / 3, length / 2, length - 1])
        {
            var scratch = (float[])values.Clone();
            Assert.Equal(sorted[k], Selection.Kth(scratch, k));
            Array.Sort(scratch);
            Assert.Equal(sorted, scratch);
        }
    }
    [Theory]
    [InlineData(65536)]
    [InlineData(5000)]
    [InlineData(40)]
    public void Kth_KnownRange_EqualsKthFindingItsOwn(int length)
    {
        var random = new Random(length);
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = (float)((random.NextDouble() + random.NextDouble() - 1) * 1e-9);
        }

        foreach (var k in (int[])[0, length / 3, length / 2, length - 1])
        {
            var expectedScratch = (float[])values.Clone();
            var expected = Selection.Kth(expectedScratch, k);
            var scratch = (float[])values.Clone();
            var actual = Selection.Kth(scratch, k, values.Min(), values.Max());
            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(actual));

            // The same permutation too: the span is scratch the caller may read afterwards.
            Assert.Equal(expectedScratch.Select(BitConverter.SingleToInt32Bits), scratch.Select(BitConverter.SingleToInt32Bits));
        }
    }
    [Theory]
    [InlineData(65536, "noise")]
    [InlineData(20011, "noise")]
    [InlineData(65536, "ties")]
    [InlineData(65536, "biased sample")]
    [InlineData(9000, "noise")]
    public void KthBracketed_EqualsKth(int length, string kind)
    {
        var random = new Random(length);
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = kind switch
            {
                // A few distinct values, +0 among them: long runs of one value at the rank and at the bracket's ends.
                "ties" => (random.Next(7) - 3) * 0.25f,

                // Every sampled index (spaced length / 1024) far above the rest: the sample's range misses the rank.
                "biased sample" => i % (length / 1024) == 0 ? 1000f + i : (float)random.NextDouble(),
                _ => (float)((random.NextDouble() + random.NextDouble() - 1) * 1e-9),
            };
        }

        foreach (var k in (int[])[0, length / 7, length / 2, length - 1])
        {
            var expected = Selection.Kth((float[])values.Clone(), k);
            var actual = Selection.KthBracketed((float[])values.Clone(), k, values.Min(), values.Max());
            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(actual));
        }
    }

    [Fact]
    public void Bracket_CountsBelowAndGathersInsideInOrder()
    {
        var random = new Random(5);
        var values = Enumerable.Range(0, 1003).Select(_ => (float)random.NextDouble()).ToArray();
        var inside = new float[values.Length + 8];

        var (below, count) = Selection.Bracket(values, 0.25f, 0.5f, inside);

        Assert.Equal(values.Count(v => v < 0.25f), below);
        Assert.Equal(values.Where(v => v >= 0.25f && v <= 0.5f), inside.Take(count));
    }
}
