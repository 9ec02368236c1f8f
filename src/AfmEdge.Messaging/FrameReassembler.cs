using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace AfmEdge.Messaging;

/// <summary>
/// The receiving side of <see cref="FrameChunker"/>: collects chunks (in any order) per frame and channel
/// and yields the channel once all chunks are in and the sha256 matches. Used by subscribers (tests, the
/// dashboard) to check that what was published is exactly what was scanned.
/// </summary>
public sealed class FrameReassembler
{
    private readonly Dictionary<(string FrameId, string Channel), Pending> _pending = [];

    /// <summary>Adds a chunk from its user properties and payload; returns the channel when it is complete.</summary>
    public ReassembledChannel? Add(IReadOnlyDictionary<string, string> properties, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var frameId = Required(properties, "frameId");
        var channel = Required(properties, "channel");
        var index = RequiredInt(properties, "chunk");
        var count = RequiredInt(properties, "chunks");
        var width = RequiredInt(properties, "width");
        var height = RequiredInt(properties, "height");
        var sha = Required(properties, "sha256");
        if (Required(properties, "dtype") != FrameChunk.DataType)
        {
            throw new InvalidDataException($"Chunk of {frameId}/{channel} has dtype '{properties["dtype"]}', expected '{FrameChunk.DataType}'.");
        }

        if (count < 1 || index < 0 || index >= count)
        {
            throw new InvalidDataException($"Chunk {index} of {count} for {frameId}/{channel} is out of range.");
        }

        var key = (frameId, channel);
        if (!_pending.TryGetValue(key, out var pending))
        {
            pending = new Pending(count, checked(width * height * sizeof(float)));
            _pending[key] = pending;
        }

        pending.Parts[index] = payload.ToArray();
        if (pending.Parts.Any(p => p is null))
        {
            return null;
        }

        _pending.Remove(key);
        var bytes = pending.Parts.SelectMany(p => p!).ToArray();
        if (bytes.Length != pending.ExpectedBytes)
        {
            throw new InvalidDataException($"{frameId}/{channel} has {bytes.Length} bytes; {width}×{height} float32 needs {pending.ExpectedBytes}.");
        }

        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!string.Equals(actual, sha, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"{frameId}/{channel} sha256 is {actual}, the publisher said {sha}.");
        }

        var samples = new float[width * height];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
        }

        return new ReassembledChannel(frameId, channel, properties.GetValueOrDefault("unit", string.Empty), width, height, samples, actual);
    }

    private static string Required(IReadOnlyDictionary<string, string> properties, string name) =>
        properties.TryGetValue(name, out var value) ? value : throw new InvalidDataException($"Frame chunk lacks the '{name}' user property.");

    private static int RequiredInt(IReadOnlyDictionary<string, string> properties, string name) =>
        int.TryParse(Required(properties, name), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidDataException($"Frame chunk property '{name}' = '{properties[name]}' is not a non-negative integer.");

    private sealed class Pending(int count, int expectedBytes)
    {
        public byte[]?[] Parts { get; } = new byte[]?[count];
        public int ExpectedBytes { get; } = expectedBytes;
    }
}

public sealed record ReassembledChannel(string FrameId, string Channel, string Unit, int Width, int Height, float[] Samples, string Sha256);
