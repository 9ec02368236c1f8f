using AfmEdge.Analysis.Segmentation;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// Pruning asks whether a link stands above the other branches at its two junctions: it folds their medians with
/// <see cref="CrossingSplitter.Highest"/> in one pass over the branches. That must give what Enumerable.Max gave over the
/// filtered copy, NaN medians (a branch over missing heights) included, so that the decision is the same; and it does in
/// any order and with repeats.
/// </summary>
public sealed class CrossingStackedLinkTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Highest_AnyOrderAndRepeats_EqualsEnumerableMax(int seed)
    {
        var random = new Random(seed);
        for (var trial = 0; trial < 2000; trial++)
        {
            var values = new double[random.Next(1, 9)];
            for (var i = 0; i < values.Length; i++)
            {
                // Few distinct values (ties), NaN now and then, all NaN sometimes.
                values[i] = random.Next(5) == 0 ? double.NaN : random.Next(-3, 4) * 0.25;
            }

            var expected = values.Max();
            var shuffled = values.Concat(values.Where(_ => random.Next(2) == 0)).OrderBy(_ => random.Next()).ToArray();
            var highest = double.NaN;
            foreach (var value in shuffled)
            {
                highest = CrossingSplitter.Highest(highest, value);
            }

            Assert.Equal(expected, highest);
            // The decision made from it: a link's median standing 1.2 times above.
            foreach (var link in new[] { -1.0, 0.0, 0.3, 0.9, 1.0, double.NaN })
            {
                Assert.Equal(link > 1.2 * expected, link > 1.2 * highest);
            }
        }
    }
}
