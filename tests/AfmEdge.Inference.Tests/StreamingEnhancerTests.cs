using AfmEdge.Inference.Network;

namespace AfmEdge.Inference.Tests;

public sealed class StreamingEnhancerTests
{
    [Fact]
    public void AddRow_WholeFrame_EqualsFullFrameBitwise()
    {
        var network = TestNetworks.Random(21, channels: 4, layers: 3, features: 5);
        var planes = TestNetworks.InputPlanes(network, 14, 30, 8);
        var stream = new StreamingEnhancer(new TiledEnhancer(new ReferenceEngine(network), 6), 14, 30);

        for (var y = 0; y < 30; y++)
        {
            stream.AddRow(y, [.. planes.Select(p => p.AsSpan(y * 14, 14).ToArray())]);
        }

        Assert.True(stream.IsComplete);
        Assert.Equal(EnhancerReference.Run(network, planes, 14, 30)[0], stream.Outputs[0]);
    }

    [Fact]
    public void AddRow_BandsFinishWhileScanning_AtMostOneBandAfterLastLine()
    {
        var network = TestNetworks.Random(22, channels: 1, layers: 3, features: 4);
        var planes = TestNetworks.InputPlanes(network, 8, 40, 9);
        var tiler = new TiledEnhancer(new ReferenceEngine(network), 8);
        var stream = new StreamingEnhancer(tiler, 8, 40);
        var finalAt = new List<(int Row, int Enhanced)>();

        for (var y = 0; y < 40; y++)
        {
            if (stream.AddRow(y, [planes[0].AsSpan(y * 8, 8).ToArray()]) > 0)
            {
                finalAt.Add((y, stream.EnhancedRows));
            }
        }

        // The first band (rows 0–7) is done once rows up to 7 + halo (4) have arrived: row index 11.
        Assert.Equal((8 + tiler.Halo - 1, 8), finalAt[0]);
        Assert.True(finalAt.Count >= 4, "bands must complete during the scan, not all at the end");
        Assert.True(40 - finalAt[^2].Enhanced <= 2 * stream.BandRows);
        Assert.Equal(40, finalAt[^1].Enhanced);
    }

    [Fact]
    public void AddRow_OutOfOrder_IsRefused()
    {
        var network = TestNetworks.Random(23, channels: 1, layers: 2, features: 4);
        var stream = new StreamingEnhancer(new TiledEnhancer(new ReferenceEngine(network), 4), 4, 4);

        Assert.Throws<ArgumentOutOfRangeException>(() => stream.AddRow(1, [new float[4]]));
    }

    [Fact]
    public void Reset_SecondFrame_EnhancesAgain()
    {
        var network = TestNetworks.Random(24, channels: 1, layers: 2, features: 4);
        var planes = TestNetworks.InputPlanes(network, 6, 6, 1);
        var stream = new StreamingEnhancer(new TiledEnhancer(new ReferenceEngine(network), 4), 6, 6);
        for (var frame = 0; frame < 2; frame++)
        {
            stream.Reset();
            for (var y = 0; y < 6; y++)
            {
                stream.AddRow(y, [planes[0].AsSpan(y * 6, 6).ToArray()]);
            }
        }

        Assert.Equal(EnhancerReference.Run(network, planes, 6, 6)[0], stream.Outputs[0]);
    }
}
