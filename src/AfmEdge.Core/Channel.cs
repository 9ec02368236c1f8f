namespace AfmEdge.Core;

/// <summary>
/// One image of a frame: row-major float32 samples in the channel's base SI unit.
/// Immutable once built; the constructor that takes an array takes ownership of it, so hot paths
/// build into a fresh buffer and hand it over without copying.
/// </summary>
public sealed class Channel
{
    private readonly float[] _data;

    /// <summary>Takes ownership of <paramref name="data"/>; the caller must not write to it afterwards.</summary>
    public Channel(ChannelDescriptor descriptor, int width, int height, float[] data)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (data.Length != checked(width * height))
        {
            throw new ArgumentException(
                $"Channel '{descriptor.Key}' is {width}×{height} = {width * height} samples but {data.Length} were given.", nameof(data));
        }

        Descriptor = descriptor;
        Width = width;
        Height = height;
        _data = data;
    }

    public ChannelDescriptor Descriptor { get; }
    public string Name => Descriptor.Name;
    public PhysicalUnit Unit => Descriptor.Unit;
    public ScanDirection Direction => Descriptor.Direction;
    public int Width { get; }
    public int Height { get; }
    public ReadOnlySpan<float> Data => _data;
    public ReadOnlyMemory<float> Memory => _data;

    public ReadOnlySpan<float> Row(int y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(y);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(y, Height);
        return _data.AsSpan(y * Width, Width);
    }

    public float this[int x, int y] => _data[(y * Width) + x];

    /// <summary>A channel with the same identity and new samples (e.g. after a processing step).</summary>
    public Channel WithData(int width, int height, float[] data) => new(Descriptor, width, height, data);
}
