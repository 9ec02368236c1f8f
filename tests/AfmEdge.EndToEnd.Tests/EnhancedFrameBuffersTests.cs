using System.Runtime.InteropServices;
using AfmEdge.Core;
using AfmEdge.Host.Pipeline;

namespace AfmEdge.EndToEnd.Tests;

/// <summary>An enhanced frame's arrays are reused only after every reader is done, and never after one kept it.</summary>
public sealed class EnhancedFrameBuffersTests
{
    [Fact]
    public void Release_LastOfTwoReaders_ReturnsTheArraysOnlyThen()
    {
        var buffers = new EnhancedFrameBuffers();
        var frame = Frame(16);
        buffers.Share(frame, 2);

        buffers.Release(frame);
        Assert.Equal(0, buffers.Pool.RetainedBytes);
        buffers.Release(frame);

        Assert.Equal(2L * 16 * 16 * sizeof(float), buffers.Pool.RetainedBytes);
        Assert.Equal(0, buffers.Outstanding);
        var reused = buffers.Pool.Rent(16 * 16);
        Assert.Contains(Arrays(frame), a => ReferenceEquals(a, reused));
    }

    [Fact]
    public void Keep_OneReaderMayStillRead_ArraysAreNeverReturned()
    {
        var buffers = new EnhancedFrameBuffers();
        var frame = Frame(16);
        buffers.Share(frame, 2);

        buffers.Keep(frame);
        buffers.Release(frame);
        buffers.Release(frame);

        Assert.Equal(0, buffers.Pool.RetainedBytes);
        Assert.Equal(0, buffers.Outstanding);
    }

    [Fact]
    public void Release_FrameNeverShared_IsIgnored()
    {
        var buffers = new EnhancedFrameBuffers();

        buffers.Release(Frame(8));

        Assert.Equal(0, buffers.Pool.RetainedBytes);
    }

    [Fact]
    public void Share_Twice_Throws()
    {
        var buffers = new EnhancedFrameBuffers();
        var frame = Frame(8);
        buffers.Share(frame, 1);

        Assert.Throws<InvalidOperationException>(() => buffers.Share(frame, 1));
    }

    internal static Frame Frame(int pixels)
    {
        var scan = new ScanSettings { SizeX = 1e-6, SizeY = 1e-6, PixelsX = pixels, PixelsY = pixels, LineRateHz = 1 };
        return new Frame(new FrameId(DateTimeOffset.UnixEpoch, 1), scan,
        [
            new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), pixels, pixels, new float[pixels * pixels]),
            new Channel(new ChannelDescriptor("Current", PhysicalUnit.Ampere), pixels, pixels, new float[pixels * pixels]),
        ]);
    }

    private static float[][] Arrays(Frame frame) =>
        [.. frame.Channels.Select(c => MemoryMarshal.TryGetArray(c.Memory, out var segment) ? segment.Array! : throw new InvalidOperationException("No array."))];
}
