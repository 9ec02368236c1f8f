using AfmEdge.Core;
using AfmEdge.Messaging;

namespace AfmEdge.Messaging.Tests;

public sealed class FrameChunkerTests
{
    private static Frame MakeFrame(int pixels)
    {
        var scan = new ScanSettings { SizeX = 5e-6, SizeY = 5e-6, PixelsX = pixels, PixelsY = pixels, LineRateHz = 1 };
        var random = new Random(3);
        Channel Make(string name, PhysicalUnit unit, ScanDirection direction = ScanDirection.Trace) =>
            new(new ChannelDescriptor(name, unit, direction), pixels, pixels,
                Enumerable.Range(0, pixels * pixels).Select(_ => (float)random.NextDouble()).ToArray());
        return new Frame(new FrameId(DateTimeOffset.UnixEpoch, 9), scan,
            [Make("Height", PhysicalUnit.Metre), Make("Height", PhysicalUnit.Metre, ScanDirection.Retrace), Make("Current", PhysicalUnit.Ampere)]);
    }

    [Fact]
    public void Chunk_ThenReassemble_IsBitExactPerChannel()
    {
        var frame = MakeFrame(64);
        var chunker = new FrameChunker(4096);
        var reassembler = new FrameReassembler();
        var done = new List<ReassembledChannel>();
        // Reverse order: chunks may arrive in any order.
        foreach (var chunk in chunker.Chunk(frame).Reverse())
        {
            Assert.True(chunk.Payload.Length <= 4096);
            var properties = chunk.UserProperties().ToDictionary(p => p.Key, p => p.Value);
            if (reassembler.Add(properties, chunk.Payload.Span) is { } channel)
            {
                done.Add(channel);
            }
        }

        Assert.Equal(3, done.Count);
        foreach (var channel in done)
        {
            var source = frame.Channels.Single(c => c.Descriptor.Key == channel.Channel);
            Assert.Equal(source.Data.ToArray(), channel.Samples);
            Assert.Equal(source.Unit.Symbol, channel.Unit);
        }
    }

    [Fact]
    public void Chunk_Properties_FollowTheContract()
    {
        var chunk = new FrameChunker(4096).Chunk(MakeFrame(64)).First();
        var names = chunk.UserProperties().Select(p => p.Key).ToArray();
        Assert.Subset(names.ToHashSet(), new HashSet<string> { "frameId", "chunk", "chunks", "width", "height", "channel", "dtype", "unit", "sha256" });
        Assert.Equal(64 * 64 * 4 / 4096, chunk.Count);
        Assert.Equal(64, chunk.Sha256.Length);
    }

    [Fact]
    public void Chunk_Sha256_IsEachChannelsWireBytesDigest()
    {
        var frame = MakeFrame(48);
        var hashes = new FrameChunker(4096).Chunk(frame).ToLookup(c => c.Channel, c => c.Sha256);

        foreach (var channel in frame.Channels)
        {
            var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(FrameChunker.ToLittleEndianBytes(channel.Data)));
            Assert.All(hashes[channel.Descriptor.Key], hash => Assert.Equal(expected, hash));
        }
    }

    [Fact]
    public void Reassemble_CorruptedPayload_FailsShaCheck()
    {
        var reassembler = new FrameReassembler();
        var chunk = new FrameChunker().Chunk(MakeFrame(8)).First();
        var bytes = chunk.Payload.ToArray();
        bytes[5] ^= 0xFF;
        var e = Assert.Throws<InvalidDataException>(() => reassembler.Add(chunk.UserProperties().ToDictionary(p => p.Key, p => p.Value), bytes));
        Assert.Contains("sha256", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reassemble_MissingProperty_NamesIt()
    {
        var e = Assert.Throws<InvalidDataException>(() => new FrameReassembler().Add(new Dictionary<string, string> { ["frameId"] = "x" }, []));
        Assert.Contains("'channel'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WireBytes_ArraySlice_AreTheLittleEndianBytesWithoutACopy()
    {
        var samples = new[] { 1f, -2.5f, float.NaN, 3e-9f, 7f };
        var slice = new ReadOnlyMemory<float>(samples, 1, 3);

        var bytes = FrameChunker.WireBytes(slice);

        Assert.Equal(FrameChunker.ToLittleEndianBytes(slice.Span), bytes.ToArray());
        if (BitConverter.IsLittleEndian)
        {
            // A view of the samples, not a copy: it follows them, and it pins for a socket send.
            Assert.False(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes, out _));
            using var pinned = bytes.Slice(4).Pin();
            samples[2] = 8f;
            Assert.Equal(BitConverter.GetBytes(8f), bytes.Slice(4, 4).ToArray());
        }
    }

    [Fact]
    public void Chunker_RoundsDownToWholeSamples() =>
        Assert.Equal(1024, new FrameChunker(1026).MaxChunkBytes);
}
