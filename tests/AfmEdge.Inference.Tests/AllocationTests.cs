using AfmEdge.Inference.Native;
using AfmEdge.Inference.Network;

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
    public void TiledEnhance_NativeEngine_AllocatesNothingPerTile()
    {
        // One frame of 1 tile and one of 12 tiles allocate the same: whatever Enhance allocates is per frame, not per tile.
        var network = TestNetworks.Random(5, layers: 3, features: 8);
        var side = TiledEnhancer.MaxTileSide(network, 16);
        using var engine = new NativeEngine(network, side, side, 2);
        var tiler = new TiledEnhancer(engine, 16);
        var small = Frame(network, 16, 16);
        var large = Frame(network, 64, 48);
        Allocated(engine, () => tiler.Enhance(small.Inputs, 16, 16, small.Outputs));
        Allocated(engine, () => tiler.Enhance(large.Inputs, 64, 48, large.Outputs));

        var one = Allocated(engine, () => tiler.Enhance(small.Inputs, 16, 16, small.Outputs));
        var twelve = Allocated(engine, () => tiler.Enhance(large.Inputs, 64, 48, large.Outputs));

        Assert.Equal(one, twelve);
    }

    /// <summary>
    /// Memory flat as frames grow: everything the tiler and engine hold is sized by the tile, so enhancing a 4096² frame
    /// allocates no more than a 512² one beyond the caller's own frame planes.
    /// </summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void TiledEnhance_4096VersusReference512_AllocatesAtMostOneAndAHalfTimes()
    {
        var network = TestNetworks.Random(6, channels: 1, layers: 2, features: 4);
        var small = TiledAllocations(network, 512);
        var large = TiledAllocations(network, 4096);
        Assert.True(large <= 1.5 * small, $"4096²: {large} B, 512²: {small} B");
    }

    private static long TiledAllocations(EnhancerNetwork network, int size)
    {
        var (inputs, outputs) = Frame(network, size, size);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var side = TiledEnhancer.MaxTileSide(network, 256);
        using (var engine = new NativeEngine(network, side, side))
        {
            new TiledEnhancer(engine, 256).Enhance(inputs, size, size, outputs);
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static (float[][] Inputs, float[][] Outputs) Frame(EnhancerNetwork network, int width, int height) =>
        (TestNetworks.Planes(TestNetworks.Input(network, width, height, 1), network.InputChannels.Count, width * height),
         [.. network.OutputChannels.Select(_ => new float[4 * width * height])]);

    private static long Allocated(NativeEngine engine, Action run)
    {
        var thread = GC.GetAllocatedBytesForCurrentThread();
        var workers = engine.WorkerAllocatedBytes;
        run();
        return GC.GetAllocatedBytesForCurrentThread() - thread + (engine.WorkerAllocatedBytes - workers);
    }
}
