using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Tests;

public sealed class FrameOrderTests
{
    [Theory]
    [InlineData(0, 1, 0)]
    [InlineData(1, 2, 0)]
    [InlineData(5000, 3, 0)]
    [InlineData(5000, 4, 1)]
    [InlineData(4099, 5, 2)]
    [InlineData(3000, 6, 3)]
    public void Create_Values_EqualsStableSortOfTheFiniteOnes(int count, int seed, int kind)
    {
        var random = new Random(seed);
        var data = Enumerable.Range(0, count).Select(i => kind switch
        {
            // Spread over many exponents and both signs, with non-finite samples, both zeros and ties.
            0 => (i % 7) switch
            {
                0 => float.NaN,
                1 => (i % 2 == 0) ? -0f : 0f,
                2 => random.Next(4) * 1e-9f,
                3 => i % 3 == 0 ? float.PositiveInfinity : float.NegativeInfinity,
                _ => (float)((random.NextDouble() - 0.5) * Math.Pow(10, -random.Next(3, 12))),
            },

            // One narrow positive range: the top digit is the same for all (that pass is skipped).
            1 => 1.5f + (float)(random.NextDouble() * 0.25),

            // A handful of distinct values in one binade: the top two digits are shared.
            2 => 1f + (random.Next(8) * 1e-6f),

            // Every value the same: no pass moves anything.
            _ => 42f,
        }).ToArray();

        using var order = FrameOrder.Create(data);

        var expected = Enumerable.Range(0, count).Where(i => float.IsFinite(data[i]))
            .OrderBy(i => SortKeys.Sortable(data[i])).ThenBy(i => i).ToArray();
        Assert.Equal(expected, order.Pixels.ToArray());
        Assert.Equal(expected.Select(i => data[i]).ToArray(), order.Values.ToArray());

        // The same as the plain radix sort of the gathered finite values.
        var keys = expected.Order().Select(i => data[i]).ToArray();
        var items = expected.Order().ToArray();
        SortKeys.Sort(keys, items, new uint[keys.Length], new uint[keys.Length], new int[keys.Length]);
        Assert.Equal(items, order.Pixels.ToArray());
    }
}
