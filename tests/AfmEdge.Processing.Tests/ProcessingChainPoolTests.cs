using System.Runtime.InteropServices;
using AfmEdge.Core;

namespace AfmEdge.Processing.Tests;

/// <summary>The chain with a <see cref="ChannelBufferPool"/>: the same samples as without one, and clear ownership of every array.</summary>
public sealed class ProcessingChainPoolTests
{
    public static TheoryData<string> Chains { get; } =
    [
        "align-rows:median,level:plane,scars,register:probes",
        "align-rows:median,level:plane,gauss:2",
        "register:probes",
        "register:crop",
        "register:retrace:lines,level:plane",
        "register:midpoint,median:3",
        "level:plane,register:probes,align-rows:mean",
        "level:plane@Height,register:probes,align-rows:mean@Current",
        "align-rows:median@Height+Adhesion,level:plane,gauss:1@Potential",
        "register:midpoint,level:plane@Height-retrace",
        "register:midpoint,register:probes,merge-retrace,level:plane@Height",
        "register:midpoint,register:probes,merge-retrace,level-masked:plane@Height",
        "level:plane@Potential",
        "",
    ];

    [Theory]
    [MemberData(nameof(Chains))]
    public void Apply_WithPool_BitEqualToWithoutAndInputUntouched(string steps)
    {
        var chain = ProcessingChain.ParseList(steps);
        var frame = TestFrame(128, nanPixels: false);
        var before = Snapshot(frame);
        var expected = chain.Apply(frame, device: null);
        var buffers = new ChannelBufferPool();

        var actual = chain.Apply(frame, null, buffers);

        AssertSameFrame(expected, actual);
        Assert.Equal(before, Snapshot(frame));
        AssertDetached(actual, frame);
    }

    [Theory]
    [InlineData("align-rows:median,level:plane,scars,register:probes")]
    [InlineData("align-rows:median@Height,level:plane@Current+Adhesion,scars,register:probes")]
    public void Apply_WithPoolAndNaNPixels_BitEqualToWithout(string steps)
    {
        var chain = ProcessingChain.ParseList(steps);
        var frame = TestFrame(128, nanPixels: true);
        var before = Snapshot(frame);

        var actual = chain.Apply(frame, null, new ChannelBufferPool());

        AssertSameFrame(chain.Apply(frame, device: null), actual);
        Assert.Contains("NaN/Inf px", actual.Metadata["processing.masked"], StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(frame));
    }

    [Fact]
    public void Apply_WithPool_HandsIntermediatesBackAndNoInputArray()
    {
        var chain = ProcessingChain.ParseList("align-rows:median,level:plane,scars,register:probes");
        var frame = TestFrame(128, nanPixels: false);
        var buffers = new ChannelBufferPool();

        var result = chain.Apply(frame, null, buffers);
        Assert.DoesNotContain("refused", result.Metadata["registration"], StringComparison.Ordinal);

        // Each channel's steps need two arrays at a time and registration a new one per moved channel: what the result
        // does not hold went back to the pool, and none of the input's arrays did.
        Assert.True(buffers.RetainedBytes > 0);
        var pooled = Drain(buffers, 128 * 128);
        Assert.DoesNotContain(pooled, a => Holds(frame, a) || Holds(result, a));
    }

    [Fact]
    public void Apply_ResultsHandedBack_NextFramesReuseTheirArraysAcrossSizes()
    {
        var chain = ProcessingChain.ParseList("align-rows:median,level:plane,scars,register:probes");
        var large = TestFrame(128, nanPixels: false);
        var small = TestFrame(64, nanPixels: false);
        var buffers = new ChannelBufferPool();

        var first = chain.Apply(large, null, buffers);
        var firstSamples = Snapshot(first);
        buffers.Return(first);
        var held = Drain(buffers, 128 * 128);
        held.ForEach(buffers.Return);
        var between = chain.Apply(small, null, buffers);
        buffers.Return(between);
        var second = chain.Apply(large, null, buffers);
        var third = chain.Apply(small, null, buffers);

        // The second large frame is written into arrays the first one left in the pool (nothing new), and is the same
        // frame again; the small ones never take a large array.
        Assert.All(Arrays(second), a => AssertOneOf(held, a));
        Assert.Equal(firstSamples, Snapshot(second));
        AssertSameFrame(chain.Apply(small, device: null), third);
        Assert.All(Arrays(between).Concat(Arrays(third)), a => Assert.Equal(64 * 64, a.Length));
    }

    [Theory]
    [InlineData("register:midpoint")]
    [InlineData("merge-retrace")]
    [InlineData("register:midpoint,register:probes,merge-retrace,level:plane@Height")]
    [InlineData("register:midpoint,register:probes,merge-retrace,level-masked:plane@Height")]
    public void Apply_FrameStepsResultsHandedBack_NextFrameWrittenIntoThePooledArrays(string steps)
    {
        // The frame steps the host runs on every frame take their output arrays from the pool too, so a steady stream
        // of frames whose results are handed back commits no new channel memory.
        var chain = ProcessingChain.ParseList(steps);
        var frame = TestFrame(128, nanPixels: false);
        var buffers = new ChannelBufferPool();

        var first = chain.Apply(frame, null, buffers);
        var firstSamples = Snapshot(first);
        buffers.Return(first);
        var held = Drain(buffers, 128 * 128);
        held.ForEach(buffers.Return);
        var second = chain.Apply(frame, null, buffers);

        Assert.All(Arrays(second), a => AssertOneOf(held, a));
        Assert.Equal(firstSamples, Snapshot(second));

        // Intermediates too: after the second frame the pool holds only arrays it had before.
        buffers.Return(second);
        Assert.All(Drain(buffers, 128 * 128), a => AssertOneOf(held, a));
        Assert.DoesNotContain("not moved", second.Metadata.GetValueOrDefault(MidpointRegistration.MetadataKey, string.Empty), StringComparison.Ordinal);
    }

    [Fact]
    public void ApplyChannel_WithPool_BitEqualToWithoutAndNotTheInputArray()
    {
        var chain = ProcessingChain.ParseList("align-rows:median,level:plane,scars,gauss:1");
        var channel = TestFrame(128, nanPixels: true).GetChannel("Height");
        var before = channel.Data.ToArray();
        var buffers = new ChannelBufferPool();

        var expected = chain.Apply(channel, null, out var expectedMasked, out var expectedDevices);
        var actual = chain.Apply(channel, null, buffers, out var masked, out var devices);

        Assert.Equal(expected.Data.ToArray(), actual.Data.ToArray());
        Assert.Equal((expectedMasked, expectedDevices), (masked, devices));
        Assert.Equal(before, channel.Data.ToArray());
        Assert.NotSame(ArrayOf(channel), ArrayOf(actual));
    }

    [Fact]
    public void Apply_NullPool_Throws()
    {
        var chain = ProcessingChain.ParseList("level:plane");
        Assert.Throws<ArgumentNullException>(() => chain.Apply(TestFrame(64, nanPixels: false), null, null!));
    }

    private static void AssertSameFrame(Frame expected, Frame actual)
    {
        Assert.Equal(expected.Channels.Select(c => c.Descriptor), actual.Channels.Select(c => c.Descriptor));
        Assert.Equal((expected.Width, expected.Height, expected.Scan), (actual.Width, actual.Height, actual.Scan));
        Assert.Equal(Snapshot(expected), Snapshot(actual));
        Assert.Equal(expected.Metadata.OrderBy(m => m.Key), actual.Metadata.OrderBy(m => m.Key));
    }

    /// <summary>No channel of <paramref name="result"/> shares an array with <paramref name="input"/>, nor with another channel.</summary>
    private static void AssertDetached(Frame result, Frame input)
    {
        var arrays = Arrays(result);
        Assert.Equal(arrays.Count, arrays.Distinct(ReferenceEqualityComparer.Instance).Count());
        Assert.DoesNotContain(arrays, a => Holds(input, a));
    }

    private static List<float[]> Drain(ChannelBufferPool buffers, int length)
    {
        var drained = new List<float[]>();
        while (buffers.RetainedBytes > 0)
        {
            drained.Add(buffers.Rent(length));
        }

        return drained;
    }

    // By reference: Assert.Contains would compare arrays by their contents, and a new array with the same samples would pass.
    private static void AssertOneOf(List<float[]> arrays, float[] array) =>
        Assert.True(arrays.Exists(a => ReferenceEquals(a, array)), $"An array of {array.Length} samples that the pool did not hold.");

    private static bool Holds(Frame frame, float[] array) => Arrays(frame).Any(a => ReferenceEquals(a, array));

    private static List<float[]> Arrays(Frame frame) => [.. frame.Channels.Select(ArrayOf)];

    private static float[] ArrayOf(Channel channel) =>
        MemoryMarshal.TryGetArray(channel.Memory, out var segment) && segment.Array is { } array ? array : throw new InvalidOperationException("A channel without an array.");

    private static float[][] Snapshot(Frame frame) => [.. frame.Channels.Select(c => c.Data.ToArray())];

    /// <summary>
    /// Height trace and retrace (1.3 px apart along the fast axis), Adhesion, and Current and Potential shifted against
    /// them, each with its own row offsets; optionally a few NaN pixels in Height and Current.
    /// </summary>
    internal static Frame TestFrame(int size, bool nanPixels)
    {
        float[] Channel(double dx, double dy, int rowSeed)
        {
            var data = RegistrationTests.Blobs(size, size, 7, dx, dy, noise: 0.01, noiseSeed: rowSeed);
            var random = new Random(rowSeed);
            for (var y = 0; y < size; y++)
            {
                var offset = (float)random.NextDouble();
                for (var x = 0; x < size; x++)
                {
                    data[(y * size) + x] += offset;
                }
            }

            return data;
        }

        var height = Channel(0, 0, 1);
        var current = Channel(2.3, -1.6, 3);
        if (nanPixels)
        {
            height[(5 * size) + 9] = float.NaN;
            current[(40 * size) + 17] = float.PositiveInfinity;
        }

        var channels = new[]
        {
            (new ChannelDescriptor("Height", PhysicalUnit.Metre), height),
            (new ChannelDescriptor("Height", PhysicalUnit.Metre, ScanDirection.Retrace), Channel(1.3, 0, 2)),
            (new ChannelDescriptor("Adhesion", PhysicalUnit.Metre), Channel(0, 0, 4)),
            (new ChannelDescriptor("Current", PhysicalUnit.Metre), current),
            (new ChannelDescriptor("Potential", PhysicalUnit.Metre), Channel(-1.4, 2.1, 5)),
        };
        var scan = new ScanSettings { SizeX = 1e-6, SizeY = 1e-6, PixelsX = size, PixelsY = size, LineRateHz = 1 };
        return new Frame(new FrameId(DateTimeOffset.UnixEpoch, 1), scan, channels.Select(c => new Channel(c.Item1, size, size, c.Item2)));
    }
}
