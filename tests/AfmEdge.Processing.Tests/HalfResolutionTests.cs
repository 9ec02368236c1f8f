using AfmEdge.Core;

namespace AfmEdge.Processing.Tests;

public sealed class HalfResolutionTests
{
    [Fact]
    public void Downsample_OddGrid_AveragesPairsAndKeepsEvenLines()
    {
        // 5×3: rows 0 and 2 kept, pairs (0,1) and (2,3) averaged, column 4 dropped.
        float[] data = [0, 2, 4, 6, 8, 10, 10, 10, 10, 10, 1, 3, 5, 7, 9];
        var half = HalfResolution.Downsample(new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), 5, 3, data));
        Assert.Equal(2, half.Width);
        Assert.Equal(2, half.Height);
        Assert.Equal([1f, 5f, 2f, 6f], half.Data.ToArray());
        Assert.Equal("Height", half.Name);
    }

    [Fact]
    public void Downsample_OneColumn_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => HalfResolution.Size(1, 4));
}
