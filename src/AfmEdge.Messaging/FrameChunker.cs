using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
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
        foreach (var channel in frame.Channels)
        {
            var bytes = WireBytes(channel.Memory);
            var hash = Convert.ToHexStringLower(SHA256.HashData(bytes.Span));
            var count = Math.Max(1, (bytes.Length + MaxChunkBytes - 1) / MaxChunkBytes);
            for (var i = 0; i < count; i++)
            {
                var start = i * MaxChunkBytes;
                var length = Math.Min(MaxChunkBytes, bytes.Length - start);
                yield return new FrameChunk(frameId, channel.Descriptor.Key, channel.Unit.Symbol, channel.Width, channel.Height,
                    frame.SizeX, frame.SizeY, i, count, hash, bytes.Slice(start, length));
            }
        }
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
