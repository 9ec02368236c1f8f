using AfmEdge.Inference.Native;
using AfmEdge.Inference.Network;

namespace AfmEdge.Inference.Tests;

public sealed class RowStreamEnhancerTests
{
    [Theory]
    [InlineData(14, 30, 6)]
    [InlineData(9, 61, 8)]
    [InlineData(12, 5, 8)]
    [InlineData(7, 16, 16)]
    public void AddRow_WholeFrame_BandsEqualFullFrameBitwise(int width, int height, int tile)
    {
        var network = TestNetworks.Random(width + height, channels: 4, layers: 3, features: 5, outputs: 2);
        var planes = TestNetworks.InputPlanes(network, width, height, 8);
        var expected = EnhancerReference.Run(network, planes, width, height);

        var collected = Collect(new TiledEnhancer(new ReferenceEngine(network), tile), planes, width, height, out var stream);

        Assert.True(stream.IsComplete);
        Assert.Equal(expected[0], collected[0]);
        Assert.Equal(expected[1], collected[1]);
    }

    [Fact]
    public void AddRow_NativeEngine_EqualsFullFrameBitwise()
    {
        var network = TestNetworks.Random(31, layers: 4, features: 8);
        var input = TestNetworks.Input(network, 45, 83, 5);
        var side = TiledEnhancer.MaxTileSide(network, 12);
        using var engine = new NativeEngine(network, side, side, threads: 2);

        var collected = Collect(new TiledEnhancer(engine, 12), TestNetworks.Planes(input, 4, 45 * 83), 45, 83, out _);

        Assert.Equal(NativeTilingTests.FullFrame(network, input, 45, 83), collected[0]);
    }

    [Fact]
    public void Constructor_TallerFrames_HoldTheSameRows()
    {
        var network = TestNetworks.Random(32, channels: 1, layers: 3, features: 4);
        var tiler = new TiledEnhancer(new ReferenceEngine(network), 8);

        var small = new RowStreamEnhancer(tiler, 16, 64, (_, _) => { });
        var tall = new RowStreamEnhancer(tiler, 16, 100_000, (_, _) => { });

        Assert.Equal(8 + (2 * tiler.Halo), small.WindowRows);
        Assert.Equal(small.WindowRows, tall.WindowRows);
    }

    [Fact]
    public void AddRow_BandsHandedOnWhileRowsArrive()
    {
        var network = TestNetworks.Random(33, channels: 1, layers: 3, features: 4);
        var planes = TestNetworks.InputPlanes(network, 20, 40, 9);
        var tiler = new TiledEnhancer(new ReferenceEngine(network), 8);
        var pieces = new List<(int Row, EnhancedPiece Piece)>();
        var row = 0;
        var stream = new RowStreamEnhancer(tiler, 20, 40, (piece, _) => pieces.Add((row, piece)));

        for (row = 0; row < 40; row++)
        {
            stream.AddRow(row, [planes[0].AsSpan(row * 20, 20).ToArray()]);
        }

        // Each band, as soon as its lower halo has arrived, tile by tile from the left: 8, 8 and the last 4 columns.
        Assert.Equal((8 + tiler.Halo - 1, new EnhancedPiece(0, 8, 0, 8)), pieces[0]);
        Assert.Equal([(0, 8), (8, 16), (16, 20)], pieces.Take(3).Select(p => (p.Piece.FirstColumn, p.Piece.EndColumn)));
        Assert.Equal([0, 8, 16, 24, 32], pieces.Where(p => p.Piece.FirstColumn == 0).Select(p => p.Piece.FirstRow));
        Assert.Equal(40, pieces[^1].Piece.EndRow);
    }

    [Fact]
    public void Reset_SecondFrame_EnhancesAgain()
    {
        var network = TestNetworks.Random(34, channels: 1, layers: 2, features: 4);
        var planes = TestNetworks.InputPlanes(network, 6, 22, 1);
        var tiler = new TiledEnhancer(new ReferenceEngine(network), 4);
        var output = new float[4 * 6 * 22];
        var stream = new RowStreamEnhancer(tiler, 6, 22, (piece, planes) => piece.CopyTo(planes[0], output, 6));

        for (var frame = 0; frame < 2; frame++)
        {
            Array.Clear(output);
            stream.Reset();
            for (var y = 0; y < 22; y++)
            {
                stream.AddRow(y, [planes[0].AsSpan(y * 6, 6).ToArray()]);
            }
        }

        Assert.Equal(EnhancerReference.Run(network, planes, 6, 22)[0], output);
    }

    [Fact]
    public void AddRow_OutOfOrderOrWrongWidth_IsRefusedAndKeepsState()
    {
        var network = TestNetworks.Random(35, channels: 1, layers: 2, features: 4);
        var stream = new RowStreamEnhancer(new TiledEnhancer(new ReferenceEngine(network), 4), 4, 12, (_, _) => { });

        Assert.Throws<ArgumentOutOfRangeException>(() => stream.AddRow(1, [new float[4]]));
        var wrongWidth = Assert.Throws<ArgumentException>(() => stream.AddRow(0, [new float[5]]));
        Assert.Contains("5 samples, not 4", wrongWidth.Message, StringComparison.Ordinal);
        Assert.Equal(0, stream.AddRow(0, [new float[4]]));
    }

    private static float[][] Collect(TiledEnhancer tiler, float[][] planes, int width, int height, out RowStreamEnhancer stream)
    {
        var outputs = tiler.Network.OutputChannels.Select(_ => new float[4 * width * height]).ToArray();
        stream = new RowStreamEnhancer(tiler, width, height, (piece, planes) =>
        {
            for (var o = 0; o < outputs.Length; o++)
            {
                piece.CopyTo(planes[o], outputs[o], width);
            }
        });
        var row = new float[planes.Length][];
        for (var y = 0; y < height; y++)
        {
            for (var c = 0; c < planes.Length; c++)
            {
                row[c] = planes[c].AsSpan(y * width, width).ToArray();
            }

            stream.AddRow(y, row);
        }

        return outputs;
    }
}
