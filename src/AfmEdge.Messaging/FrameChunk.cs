using System.Globalization;

namespace AfmEdge.Messaging;

/// <summary>
/// One MQTT message of a frame: a slice of one channel's raw samples with the user properties that let a
/// receiver put the channel back together and check it. Payload bytes are float32 little-endian, row-major.
/// </summary>
public sealed record FrameChunk(
    string FrameId,
    string Channel,
    string Unit,
    int Width,
    int Height,
    double SizeX,
    double SizeY,
    int Index,
    int Count,
    string Sha256,
    ReadOnlyMemory<byte> Payload)
{
    public const string DataType = "float32le";

    /// <summary>The user property that numbers the chunk (the only one that differs between a channel's chunks).</summary>
    public const string IndexProperty = "chunk";

    /// <summary>The user properties in the order the MQTT contract lists them.</summary>
    public IEnumerable<KeyValuePair<string, string>> UserProperties()
    {
        yield return new("frameId", FrameId);
        yield return new(IndexProperty, Index.ToString(CultureInfo.InvariantCulture));
        yield return new("chunks", Count.ToString(CultureInfo.InvariantCulture));
        yield return new("width", Width.ToString(CultureInfo.InvariantCulture));
        yield return new("height", Height.ToString(CultureInfo.InvariantCulture));
        yield return new("channel", Channel);
        yield return new("dtype", DataType);
        yield return new("unit", Unit);
        yield return new("sizeX", SizeX.ToString("R", CultureInfo.InvariantCulture));
        yield return new("sizeY", SizeY.ToString("R", CultureInfo.InvariantCulture));
        yield return new("sha256", Sha256);
    }
}
