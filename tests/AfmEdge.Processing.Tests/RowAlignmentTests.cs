namespace AfmEdge.Processing.Tests;

public sealed class RowAlignmentTests
{
    [Theory]
    [InlineData(RowAlignmentMethod.Median, 64, 20)]
    [InlineData(RowAlignmentMethod.Median, 33, 7)]
    [InlineData(RowAlignmentMethod.Median, 512, 4)]
    [InlineData(RowAlignmentMethod.Mean, 64, 20)]
    [InlineData(RowAlignmentMethod.Mean, 3, 5)]
    [InlineData(RowAlignmentMethod.MedianOfDifferences, 64, 20)]
    [InlineData(RowAlignmentMethod.MedianOfDifferences, 10, 2)]
    [InlineData(RowAlignmentMethod.TrimmedMean, 64, 20)]
    [InlineData(RowAlignmentMethod.TrimmedMean, 200, 9)]
    [InlineData(RowAlignmentMethod.Polynomial, 64, 20)]
    public void AlignRows_RandomField_MatchesReference(RowAlignmentMethod method, int w, int h)
    {
        var data = TestData.Field(w, h, w + h);
        TestData.AssertClose(Reference.AlignRows(data, w, h, method), TestData.Run(new RowAlignment(method), data, w, h));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void AlignRows_PolyDegree_MatchesReference(int degree)
    {
        var data = TestData.Field(48, 12, degree);
        TestData.AssertClose(Reference.AlignRows(data, 48, 12, RowAlignmentMethod.Polynomial, degree),
            TestData.Run(new RowAlignment(RowAlignmentMethod.Polynomial, degree), data, 48, 12));
    }

    [Theory]
    [InlineData(512, 6, 0.05, 0)]
    [InlineData(512, 6, 0.2, 16)]
    [InlineData(300, 5, 0.1, 4)]
    [InlineData(1000, 3, 0.05, 0)]
    public void AlignRows_TrimmedMeanWithTiesAndSpikes_MatchesReference(int w, int h, double fraction, int levels)
    {
        // Quantised values put many ties at the trim boundaries; a spike per row stretches the value range.
        var data = TestData.Field(w, h, w + h + levels);
        if (levels > 0)
        {
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = MathF.Round(data[i] * levels) / levels;
            }
        }

        for (var y = 0; y < h; y += 2)
        {
            data[(y * w) + (y % w)] += 1000;
        }

        TestData.AssertClose(Reference.AlignRows(data, w, h, RowAlignmentMethod.TrimmedMean, trim: fraction),
            TestData.Run(new RowAlignment(RowAlignmentMethod.TrimmedMean, trimFraction: fraction), data, w, h));
    }

    [Fact]
    public void AlignRows_TiedValues_UsesUpperMedianLikeGwyddion()
    {
        // Row 0 = {0, 0, 1, 1}: Gwyddion's median (rank n/2) is 1; row 1 = {5, 5, 5, 5}.
        float[] data = [0, 0, 1, 1, 5, 5, 5, 5];
        var output = TestData.Run(new RowAlignment(RowAlignmentMethod.Median), data, 4, 2);
        // shifts 1 and 5, zero-levelled to −2 and +2.
        Assert.Equal([2f, 2f, 3f, 3f, 3f, 3f, 3f, 3f], output);
    }

    [Fact]
    public void AlignRows_MaskedRow_TakesWholeFrameMedian()
    {
        const int w = 20, h = 3;
        var data = TestData.Field(w, h, 3);
        var mask = new byte[data.Length];
        Array.Fill(mask, (byte)1, w, w); // row 1 fully masked
        var output = TestData.Run(new RowAlignment(RowAlignmentMethod.Median), data, w, h, mask);
        var unmasked = data.Where((_, i) => mask[i] == 0).Order().ToArray();
        var total = unmasked[unmasked.Length / 2];
        var row0 = data.Take(w).Order().ToArray()[w / 2];
        var row2 = data.Skip(2 * w).Order().ToArray()[w / 2];
        var mean = (row0 + total + row2) / 3.0;
        Assert.Equal(data[w] - (total - mean), output[w], 1e-3);
    }

    [Fact]
    public void Selection_RandomAndTiedInputs_MatchSort()
    {
        var random = new Random(3);
        foreach (var n in new[] { 1, 2, 3, 17, 48, 49, 100, 512, 1000, 4096 })
        {
            foreach (var kind in new[] { "uniform", "ties", "outlier", "constant" })
            {
                var values = Enumerable.Range(0, n).Select(_ => kind switch
                {
                    "ties" => (float)random.Next(4),
                    "outlier" => (float)random.NextDouble(),
                    "constant" => 2.5f,
                    _ => (float)((random.NextDouble() * 2e-6) + 1e-3),
                }).ToArray();
                if (kind == "outlier")
                {
                    values[random.Next(n)] = 1e30f;
                }

                var sorted = values.Order().ToArray();
                foreach (var k in new[] { 0, n / 2, n - 1, random.Next(n) })
                {
                    var copy = (float[])values.Clone();
                    Assert.Equal(sorted[k], Selection.Kth(copy, k));
                    Assert.Equal(sorted, copy.Order()); // permuted, never overwritten
                }
            }
        }
    }

    [Fact]
    public void Name_RoundTripsThroughChain()
    {
        foreach (var step in new[] { "align-rows:median", "align-rows:mean", "align-rows:poly:2", "align-rows:median-diff", "align-rows:trimmed", "align-rows:trimmed:0.2" })
        {
            Assert.Equal(step, ProcessingChain.Parse([step]).Operations[0].Name);
        }
    }
}
