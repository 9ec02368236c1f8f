using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// The radix sort of packed words (key in the top 32 bits, a tag in the low 32: a shuffle of the positions, so that a sort of
/// whole words would differ too) against a plain stable sort by key, word for word: the same order, ties in input order. Keys of every spread the channels give (random over the
/// whole key range, a narrow range, floats of both signs packed into few exponents, few distinct keys, all equal, one top
/// value holding most words, a dense cluster with sparse outliers, ascending, descending), sizes around the small sort's limit
/// and the parts' size, neighbours' keys close as a raster's are.
/// </summary>
public sealed class SortWordsTests
{
    public enum Keys
    {
        Random,
        Narrow,
        BothSigns,
        FewDistinct,
        AllEqual,
        OneHeavyTop,
        ClusterWithOutliers,
        Ascending,
        Descending,
    }

    public static TheoryData<int, Keys, int> Cases()
    {
        var cases = new TheoryData<int, Keys, int>();
        var seed = 1;
        foreach (var size in new[] { 0, 1, 2, 3, 1000, SortedChannel.WideFrom - 1, SortedChannel.WideFrom, SortedChannel.WideFrom + 1, 250_001 })
        {
            foreach (var keys in Enum.GetValues<Keys>())
            {
                cases.Add(size, keys, seed++);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SortWords_SameAsStableSortByKey(int size, Keys keys, int seed)
    {
        var words = Words(size, keys, seed);
        var expected = StableSort(words);
        var input = words.ToArray();
        var scratch = new ulong[size];
        var sorted = SortedChannel.SortWords(input, scratch).ToArray();
        Assert.Equal(expected, sorted);
    }

    /// <summary>The partitioned sort itself on sizes the channel sort leaves to the small one: a single part, two, several.</summary>
    [Theory]
    [InlineData(2, Keys.Random, 101)]
    [InlineData(5, Keys.FewDistinct, 102)]
    [InlineData(WordRadixSort.PartWords - 1, Keys.BothSigns, 103)]
    [InlineData(WordRadixSort.PartWords + 1, Keys.BothSigns, 104)]
    [InlineData(WordRadixSort.PartWords + 1, Keys.AllEqual, 105)]
    [InlineData((3 * WordRadixSort.PartWords) + 7, Keys.ClusterWithOutliers, 106)]
    [InlineData((3 * WordRadixSort.PartWords) + 7, Keys.OneHeavyTop, 107)]
    [InlineData((5 * WordRadixSort.PartWords) - 3, Keys.Narrow, 108)]
    public void PartitionedSort_SmallSizes_SameAsStableSortByKey(int size, Keys keys, int seed)
    {
        var words = Words(size, keys, seed);
        var expected = StableSort(words);
        var sorted = WordRadixSort.SortInParts(words.ToArray(), new ulong[size]).ToArray();
        Assert.Equal(expected, sorted);
    }

    [Fact]
    public void PartitionedSort_ScratchTooShort_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => WordRadixSort.SortInParts(new ulong[10], new ulong[9]));
        Assert.Equal("scratch", error.ParamName);
    }

    /// <summary>Words of <paramref name="size"/> keys of the given kind, tagged in the low 32 bits with a shuffle of 0 to size − 1.</summary>
    private static ulong[] Words(int size, Keys kind, int seed)
    {
        var random = new Random(seed);
        var keys = new uint[size];

        // A slowly drifting value, as a raster's neighbouring pixels are, plus noise.
        var drift = 0.0;
        for (var i = 0; i < size; i++)
        {
            drift += (random.NextDouble() - 0.5) * 0.01;
            keys[i] = kind switch
            {
                Keys.Random => (uint)random.NextInt64(0, 1L << 32),
                Keys.Narrow => SortKeys.Sortable((float)(50e-12 * (1 + (0.02 * Math.Sin(drift)) + (0.01 * (random.NextDouble() - 0.5))))),
                Keys.BothSigns => SortKeys.Sortable((float)((0.1 * Math.Sin(drift * 50)) + (0.05 * (random.NextDouble() - 0.5)))),
                Keys.FewDistinct => SortKeys.Sortable(random.Next(-3, 4)),
                Keys.AllEqual => SortKeys.Sortable(2.5f),
                Keys.OneHeavyTop => random.Next(10) != 0 ? 0x8123_0000u | (uint)random.Next(1 << 16) : (uint)random.NextInt64(0, 1L << 32),
                Keys.ClusterWithOutliers => random.Next(1000) != 0
                    ? SortKeys.Sortable((float)(1e-9 * (1 + (0.1 * random.NextDouble()))))
                    : SortKeys.Sortable((float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-30, 30)))),
                Keys.Ascending => (uint)(i * 37),
                Keys.Descending => (uint)((size - i) * 101),
                _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "No such kind of keys."),
            };
        }

        var tags = Enumerable.Range(0, size).ToArray();
        random.Shuffle(tags);
        return keys.Select((key, i) => ((ulong)key << 32) | (uint)tags[i]).ToArray();
    }

    /// <summary>LINQ's OrderBy is stable: ties keep their input order.</summary>
    private static ulong[] StableSort(ulong[] words) => words.OrderBy(word => (uint)(word >> 32)).ToArray();
}
