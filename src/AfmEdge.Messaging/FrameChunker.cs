using System.Buffers.Binary;
using System.Runtime.InteropServices;
using AfmEdge.Core;

namespace AfmEdge.Messaging;

/// <summary>Cuts each channel of a frame into chunks of at most <see cref="MaxChunkBytes"/> bytes.</summary>
public sealed class FrameChunker
{
    /// <summary>The contract's ceiling: brokers commonly cap messages near 1 MB.</summary>
    public const int ContractMaxChunkBytes = 1 << 20;

    public FrameChunker(int maxChunkBytes = ContractMaxChunkBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChunkBytes, 4);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxChunkBytes, ContractMaxChunkBytes);
        // Chunks hold whole samples so a receiver could decode each as it arrives.
        MaxChunkBytes = maxChunkBytes - (maxChunkBytes % sizeof(float));
    }

    public int MaxChunkBytes { get; }

    public IEnumerable<FrameChunk> Chunk(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var frameId = frame.Id.ToString();
        var channels = frame.Channels;
        var bytes = new ReadOnlyMemory<byte>[channels.Count];
        for (var c = 0; c < bytes.Length; c++)
        {
            bytes[c] = WireBytes(channels[c].Memory);
        }

        var hashes = HexSha256(bytes);
        for (var c = 0; c < bytes.Length; c++)
        {
            var channel = channels[c];
            var count = Math.Max(1, (bytes[c].Length + MaxChunkBytes - 1) / MaxChunkBytes);
            for (var i = 0; i < count; i++)
            {
                var start = i * MaxChunkBytes;
                var length = Math.Min(MaxChunkBytes, bytes[c].Length - start);
                yield return new FrameChunk(frameId, channel.Descriptor.Key, channel.Unit.Symbol, channel.Width, channel.Height,
                    frame.SizeX, frame.SizeY, i, count, hashes[c], bytes[c].Slice(start, length));
            }
        }
    }

    /// <summary>
    /// Each channel's SHA-256 in lower-case hex. A frame's channels share one grid, so they are hashed side by side
    /// (<see cref="Sha256Lanes"/>): hashing was most of the publishing stage's processor time.
    /// </summary>
    private static string[] HexSha256(ReadOnlyMemory<byte>[] channels)
    {
        var digests = new byte[channels.Length * Sha256Lanes.DigestBytes];
        Sha256Lanes.HashEach(channels, digests);
        var hashes = new string[channels.Length];
        for (var c = 0; c < hashes.Length; c++)
        {
            hashes[c] = Convert.ToHexStringLower(digests, c * Sha256Lanes.DigestBytes, Sha256Lanes.DigestBytes);
        }

        return hashes;
    }

    /// <summary>
    /// The wire form of samples as memory. On a little-endian host it is the samples' own bytes (no copy: a 512² channel
    /// is a megabyte, and copying it per publish was garbage for the collector at every frame); otherwise a converted copy.
    /// The samples must not change while the memory is in use (a frame's channels never do).
    /// </summary>
    public static ReadOnlyMemory<byte> WireBytes(ReadOnlyMemory<float> samples) =>
        BitConverter.IsLittleEndian && MemoryMarshal.TryGetArray(samples, out var segment)
            ? new SampleBytes(segment).Memory
            : ToLittleEndianBytes(samples.Span);

    /// <summary>The wire form of samples: little-endian whatever the host's byte order.</summary>
    public static byte[] ToLittleEndianBytes(ReadOnlySpan<float> samples)
    {
        var bytes = new byte[samples.Length * sizeof(float)];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(samples).CopyTo(bytes);
        }
        else
        {
            for (var i = 0; i < samples.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), samples[i]);
            }
        }

        return bytes;
    }
}
