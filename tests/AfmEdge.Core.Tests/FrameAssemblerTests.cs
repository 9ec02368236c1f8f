using AfmEdge.Core;
using Microsoft.Extensions.Time.Testing;

namespace AfmEdge.Core.Tests;

public sealed class FrameAssemblerTests
{
    private static readonly ScanSettings Scan = new() { SizeX = 1e-6, SizeY = 1e-6, PixelsX = 8, PixelsY = 8, LineRateHz = 10 };
    private static readonly ChannelDescriptor[] Channels = [new("Height", PhysicalUnit.Metre), new("Current", PhysicalUnit.Ampere)];

    private static ScanLine Line(long frame, int y)
    {
        var line = ScanLine.Rent(frame, y, Scan.PixelsX, Channels.Length);
        for (var c = 0; c < Channels.Length; c++)
        {
            var samples = line.Samples(c);
            for (var x = 0; x < samples.Length; x++)
            {
                samples[x] = (1000 * c) + (10 * y) + x;
            }
        }

        return line;
    }

    [Fact]
    public void TryAdd_AllLines_YieldsFrameWithSamplesInPlace()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero));
        var assembler = new FrameAssembler(Channels, Scan, time);
        Frame? frame = null;
        for (var y = 0; y < Scan.PixelsY; y++)
        {
            var done = assembler.TryAdd(Line(3, y), out frame);
            Assert.Equal(y == Scan.PixelsY - 1, done);
        }

        Assert.NotNull(frame);
        Assert.Equal(new FrameId(time.GetUtcNow(), 3), frame.Id);
        Assert.Equal(1057f, frame.GetChannel("Current")[7, 5]);
        Assert.Equal(23f, frame.GetChannel("Height")[3, 2]);
    }

    [Fact]
    public void TryAdd_WithPool_WritesIntoReturnedArraysAndEverySampleIsNew()
    {
        var pool = new ChannelBufferPool();
        var stale = Enumerable.Range(0, Channels.Length).Select(_ => Enumerable.Repeat(-7f, Scan.PixelsX * Scan.PixelsY).ToArray()).ToArray();
        foreach (var array in stale)
        {
            pool.Return(array);
        }

        var assembler = new FrameAssembler(Channels, Scan, TimeProvider.System, pool);
        Frame? frame = null;
        for (var y = 0; y < Scan.PixelsY; y++)
        {
            assembler.TryAdd(Line(0, y), out frame);
        }

        Assert.NotNull(frame);
        Assert.All(frame.Channels, c => Assert.Contains(stale, a => System.Runtime.InteropServices.MemoryMarshal.TryGetArray(c.Memory, out var segment) && ReferenceEquals(segment.Array, a)));
        Assert.Equal(0, pool.RetainedBytes);
        Assert.DoesNotContain(-7f, frame.Channels.SelectMany(c => c.Data.ToArray()));
        Assert.Equal(1057f, frame.GetChannel("Current")[7, 5]);
    }

    [Fact]
    public void TryAdd_SkippedLine_ThrowsLinesLost()
    {
        var assembler = new FrameAssembler(Channels, Scan, TimeProvider.System);
        assembler.TryAdd(Line(0, 0), out _);
        var e = Assert.Throws<InvalidOperationException>(() => assembler.TryAdd(Line(0, 2), out _));
        Assert.Contains("lost", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryAdd_FrameNotStartingAtZero_Throws()
    {
        var assembler = new FrameAssembler(Channels, Scan, TimeProvider.System);
        Assert.Throws<InvalidOperationException>(() => assembler.TryAdd(Line(0, 1), out _));
    }
}
