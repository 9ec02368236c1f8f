using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AfmEdge.Inference.Native;
using AfmEdge.Inference.Network;

namespace AfmEdge.Inference.Tests;

public sealed class NativeEngineTests
{

    [Theory]
    [InlineData(1, 1, 0, 1)]
    [InlineData(7, 5, 0, 1)]
    [InlineData(33, 17, 0, 2)]
    [InlineData(40, 9, 0, 3)]
    [InlineData(33, 17, 256, 2)]
    [InlineData(33, 17, 128, 1)]
    [InlineData(2, 3, 128, 2)]
    public void Run_RandomNetwork_MatchesReference(int width, int height, int vectorBits, int threads)
    {
        var network = TestNetworks.Random(width * 31 + height, layers: 4, features: 12);
        var input = TestNetworks.Input(network, width, height, 5);
        var expected = EnhancerReference.Run(network, TestNetworks.Planes(input, 4, width * height), width, height);
        using var engine = new NativeEngine(network, width + 3, height + 1, threads, vectorBits);
        var output = new float[4 * width * height];
        engine.Run(input, width, height, output);
        Assert.True(TestNetworks.RelativeError(expected, output) <= 1e-4, $"error {TestNetworks.RelativeError(expected, output):E2}");
    }

    [Fact]
    public void Run_TwoOutputChannelsAndTwoInputs_MatchesReference()
    {
        var network = TestNetworks.Random(9, channels: 2, layers: 3, features: 16, outputs: 2);
        var input = TestNetworks.Input(network, 19, 14, 2);
        var expected = EnhancerReference.Run(network, TestNetworks.Planes(input, 2, 19 * 14), 19, 14);
        using var engine = new NativeEngine(network, 19, 14, 2);
        var output = new float[2 * 4 * 19 * 14];
        engine.Run(input, 19, 14, output);
        Assert.True(TestNetworks.RelativeError(expected, output) <= 1e-4);
    }

    [Fact]
    public void Run_SmallerTileAfterLargerOne_MatchesReference()
    {
        // A taller, wider tile leaves samples where the smaller tile's padding must be zero.
        var network = TestNetworks.Random(3);
        using var engine = new NativeEngine(network, 48, 40, 2);
        var large = TestNetworks.Input(network, 48, 40, 1);
        engine.Run(large, 48, 40, new float[4 * 48 * 40]);
        var small = TestNetworks.Input(network, 21, 13, 2);
        var output = new float[4 * 21 * 13];
        engine.Run(small, 21, 13, output);
        var expected = EnhancerReference.Run(network, TestNetworks.Planes(small, 4, 21 * 13), 21, 13);
        Assert.True(TestNetworks.RelativeError(expected, output) <= 1e-4);
    }

    [Fact]
    public void Run_TileLargerThanCreatedFor_Throws()
    {
        using var engine = new NativeEngine(TestNetworks.Random(1), 8, 8);
        Assert.Throws<ArgumentOutOfRangeException>(() => engine.Run(new float[4 * 9 * 8], 9, 8, new float[4 * 9 * 8]));
    }

    [Fact]
    public void Constructor_DefaultWidth_IsWidestTheProcessorHas()
    {
        using var engine = new NativeEngine(TestNetworks.Random(1), 8, 8);
        Assert.Equal(Avx512F.IsSupported ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128, engine.VectorBits);
        Assert.Equal(NativeEngine.WidestVectorBits, engine.VectorBits);
        Assert.Equal("native", engine.Name);
    }

    [Fact]
    public void Run_AllWidthsThisProcessorRuns_AreBitwiseEqual()
    {
        // The default width may differ from machine to machine (AVX-512 or not): the published frames must not.
        var network = TestNetworks.Random(17, layers: 4, features: 12);
        var input = TestNetworks.Input(network, 37, 21, 3);
        using var narrow = new NativeEngine(network, 37, 21, 2, 128);
        var expected = new float[4 * 37 * 21];
        narrow.Run(input, 37, 21, expected);
        foreach (var bits in NativeEngine.WidestVectorBits == 512 ? new[] { 256, 512 } : [256])
        {
            using var engine = new NativeEngine(network, 37, 21, 2, bits);
            var output = new float[expected.Length];
            engine.Run(input, 37, 21, output);
            Assert.True(expected.AsSpan().SequenceEqual(output), $"{bits}-bit output differs from 128-bit");
        }
    }
}

public sealed class EngineFactoryNativeTests
{
    [Fact]
    public void CreateEnhancer_Native_RunsNativeEngineOnTiles()
    {
        var network = TestNetworks.Random(11, layers: 3, features: 8);
        using var enhancer = EngineFactory.CreateEnhancer("native", new ModelEntry("memory", network), tileSize: 16, threads: 2);

        Assert.IsType<NativeEngine>(enhancer.Tiler.Engine);
        Assert.Equal($"{network.Name}/native", enhancer.Name);
        Assert.Contains("native", EngineFactory.EngineNames);
    }
}
