using System.Runtime.Intrinsics;
using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Tests;

public sealed class TransposeTests
{
    [Fact]
    public void Transpose_ColumnJHoldsElementJOfEachRow()
    {
        var random = new Random(5);
        for (var trial = 0; trial < 20; trial++)
        {
            var rows = new float[4][];
            for (var i = 0; i < 4; i++)
            {
                rows[i] = Enumerable.Range(0, 4).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            }

            var columns = new Vector128<float>[4];
            RegionAnalysis.Transpose(Vector128.Create(rows[0]), Vector128.Create(rows[1]), Vector128.Create(rows[2]), Vector128.Create(rows[3]), columns);
            for (var j = 0; j < 4; j++)
            {
                for (var i = 0; i < 4; i++)
                {
                    Assert.Equal(BitConverter.SingleToInt32Bits(rows[i][j]), BitConverter.SingleToInt32Bits(columns[j].GetElement(i)));
                }
            }
        }

        Assert.Throws<ArgumentException>(() => RegionAnalysis.Transpose(default, default, default, default, new Vector128<float>[3]));
    }
}
