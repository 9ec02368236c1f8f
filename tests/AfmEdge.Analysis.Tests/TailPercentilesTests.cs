using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Tests;

public sealed class TailPercentilesTests
{
    [Theory]
    [InlineData(10, 1)]
    [InlineData(11, 2)]
    [InlineData(41, 3)]
    [InlineData(400, 4)]
    [InlineData(401, 5)]
    [InlineData(2000, 6)]
    [InlineData(5000, 7)]
    public void TailPercentiles_EqualPercentilesOfTheSortedValues(int n, int seed)
    {
        var random = new Random(seed);
        foreach (var kind in new[] { "spread", "ties", "zeros", "ascending", "descending" })
        {
            var values = Enumerable.Range(0, n).Select(i => kind switch
            {
                "spread" => (random.NextDouble() * 2) - 1,
                "ties" => random.Next(-3, 4) * 0.25,
                "zeros" => random.Next(3) switch { 0 => 0.0, 1 => -0.0, _ => random.NextDouble() - 0.5 },
                "ascending" => i * 0.001,
                _ => -i * 0.001,
            }).ToArray();
            var sorted = values.Order().ToArray();
            var (low, high) = RegionAnalysis.TailPercentiles(values.ToArray());
            Assert.Equal(BitConverter.DoubleToInt64Bits(RegionAnalysis.Percentile(sorted, 0.025)), BitConverter.DoubleToInt64Bits(low));
            Assert.Equal(BitConverter.DoubleToInt64Bits(RegionAnalysis.Percentile(sorted, 0.975)), BitConverter.DoubleToInt64Bits(high));
        }
    }
}
