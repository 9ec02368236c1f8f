using System.Runtime.Intrinsics;
using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Tests;

/// <summary>The vector forms of the order-preserving float keys equal the scalar ones lane by lane, both ways.</summary>
public sealed class SortKeysVectorTests
{
    [Fact]
    public void SortableAndBack_VectorEqualsScalar_ForSpecialAndRandomValues()
    {
        var random = new Random(5);
        var values = new List<float>
        {
            0f, -0f, 1f, -1f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue,
            float.PositiveInfinity, float.NegativeInfinity, 1e-38f, -1e-38f, 3.5e12f, -2.25e-7f,
        };
        for (var i = 0; i < 994; i++)
        {
            values.Add(BitConverter.Int32BitsToSingle(random.Next(int.MinValue, int.MaxValue)) is var v && float.IsNaN(v) ? 0.5f : v);
        }

        for (var at = 0; at + 8 <= values.Count; at += 8)
        {
            var lanes = values.GetRange(at, 8).ToArray();
            var bits = Vector256.Create(lanes).AsUInt32();
            var keys = SortKeys.Sortable(bits);
            var back = SortKeys.FromSortable(keys);
            for (var lane = 0; lane < 8; lane++)
            {
                Assert.Equal(SortKeys.Sortable(lanes[lane]), keys[lane]);
                Assert.Equal(BitConverter.SingleToUInt32Bits(lanes[lane]), back[lane]);
            }
        }
    }
}
