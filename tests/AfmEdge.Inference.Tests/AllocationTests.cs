using AfmEdge.Inference.Native;

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
}
