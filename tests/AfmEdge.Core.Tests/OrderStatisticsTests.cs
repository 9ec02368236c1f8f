namespace AfmEdge.Core.Tests;

public sealed class OrderStatisticsTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(7, 3)]
    [InlineData(1000, 10)]
    [InlineData(65536, 655)]
    [InlineData(65536, 64880)]
    public void Select_RandomValuesWithTies_EqualsTheSortedValueAtRank(int count, int rank)
    {
        var random = new Random(count + rank);
        foreach (var spread in new[] { 1, 5, 1_000_000 })
        {
            var values = new float[count];
            for (var i = 0; i < count; i++)
            {
                values[i] = random.Next(spread) - (spread / 2);
            }

            var sorted = values.ToArray();
            Array.Sort(sorted);
            var ascending = sorted.ToArray();
            var descending = sorted.Reverse().ToArray();
            foreach (var input in new[] { values, ascending, descending })
            {
                Assert.Equal(sorted[rank], OrderStatistics.Select(input, rank));
                Assert.Equal(sorted.Order(), input.Order());
            }
        }
    }
}
