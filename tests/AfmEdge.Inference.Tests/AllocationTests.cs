using AfmEdge.Inference.Native;
using AfmEdge.Inference.Network;
using AfmEdge.Inference.Tiling;

namespace AfmEdge.Inference.Tests;

/// <summary>Allocation tests run alone, after the parallel ones, so that tiered JIT work for other tests stays out of them.</summary>
[CollectionDefinition(nameof(AllocationTests), DisableParallelization = true)]
public sealed class AllocationCollection;

[Collection(nameof(AllocationTests))]
public sealed class AllocationTests
{
    [Fact]
    public void NativeEngineRun_SteadyStateOnTwoThreads_AllocatesNothing()
    {
        var network = TestNetworks.Random(4, layers: 3, features: 16);
        using var engine = new NativeEngine(network, 64, 64, 2);
        var input = TestNetworks.Input(network, 64, 64, 3);
        var output = new float[4 * 64 * 64];
        engine.Run(input, 64, 64, output);
        engine.Run(input.AsSpan(0, 4 * 61 * 64), 61, 64, output.AsSpan(0, 4 * 61 * 64));
        var thread = GC.GetAllocatedBytesForCurrentThread();
        var workers = engine.WorkerAllocatedBytes;
        for (var i = 0; i < 5; i++)
        {
            engine.Run(input, 64, 64, output);
            engine.Run(input.AsSpan(0, 4 * 61 * 64), 61, 64, output.AsSpan(0, 4 * 61 * 64));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - thread);
        Assert.Equal(0, engine.WorkerAllocatedBytes - workers);
    }

    [Fact]
    public void TiledEnhance_SteadyState_AllocatesNothing()
    {
        var network = TestNetworks.Random(5, layers: 3, features: 8);
        using var engine = new NativeEngine(network, 32, 32, 2);
        var tiles = new TiledEnhancer(engine, 32, 32);
        var input = TestNetworks.Input(network, 90, 70, 1);
        var output = new float[4 * 90 * 70];
        tiles.Enhance(input, 90, 70, output);
        var thread = GC.GetAllocatedBytesForCurrentThread();
        var workers = engine.WorkerAllocatedBytes;
        tiles.Enhance(input, 90, 70, output);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - thread);
        Assert.Equal(0, engine.WorkerAllocatedBytes - workers);
    }

    /// <summary>
    /// Memory flat as frames grow: streaming allocates the engine, tile, window and band buffers up front, sized by the
    /// tile and one band of full-width rows, so a frame 8× taller allocates what a short one does. (Peak RSS for 4096²
    /// versus 512² frames is measured by `afmedge bench enhance --stream-frame`.)
    /// </summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void StreamFrame_EightTimesTaller_AllocatesTheSame()
    {
        var network = TestNetworks.Random(6, channels: 4, layers: 2, features: 8);
        var small = StreamAllocations(network, 512, 512);
        var tall = StreamAllocations(network, 512, 4096);
        Assert.True(tall <= small * 1.01, $"512×4096: {tall} B, 512²: {small} B");
    }

    private static long StreamAllocations(EnhancerNetwork network, int size, int height)
    {
        const int TileWidth = 256, TileHeight = 24;
        var line = new float[4 * size];
        for (var i = 0; i < line.Length; i++)
        {
            line[i] = network.Mean[i / size] + (network.Std[i / size] * MathF.Sin(i * 0.1f));
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        double checksum = 0;
        using (var engine = new NativeEngine(network, TileWidth, TileHeight))
        {
            var streaming = new StreamingEnhancer(new TiledEnhancer(engine, TileWidth, TileHeight), size, height, (_, count, band) => checksum += band[^1] + count);
            for (var y = 0; y < height; y++)
            {
                streaming.AddLine(line);
            }

            Assert.True(streaming.IsComplete);
        }

        Assert.True(double.IsFinite(checksum));
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
