namespace AfmEdge.Core;

/// <summary>
/// One fast-axis line of every channel, as the scan produces it. The samples live in a buffer rented
/// from <see cref="ScanLinePool"/> (channel-major: channel c's samples at [c × Pixels, (c+1) × Pixels));
/// whoever consumes the line calls <see cref="Return"/> exactly once, so a steady scan allocates nothing per line.
/// </summary>
public readonly struct ScanLine
{
    private readonly float[] _buffer;

    private ScanLine(long frameSequence, int lineIndex, int pixels, int channelCount, float[] buffer)
    {
        FrameSequence = frameSequence;
        LineIndex = lineIndex;
        Pixels = pixels;
        ChannelCount = channelCount;
        _buffer = buffer;
    }

    public long FrameSequence { get; }
    public int LineIndex { get; }
    public int Pixels { get; }
    public int ChannelCount { get; }

    public static ScanLine Rent(long frameSequence, int lineIndex, int pixels, int channelCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lineIndex);
        ArgumentOutOfRangeException.ThrowIfLessThan(pixels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(channelCount, 1);
        return new ScanLine(frameSequence, lineIndex, pixels, channelCount, ScanLinePool.Rent(pixels * channelCount));
    }

    public Span<float> Samples(int channelIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channelIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channelIndex, ChannelCount);
        return _buffer.AsSpan(channelIndex * Pixels, Pixels);
    }

    public void Return() => ScanLinePool.Return(_buffer);

    /// <summary>
    /// Hands the line to <paramref name="lines"/>, waiting while the writer is full. A line the writer does not take
    /// (cancelled, writer completed) goes back to the pool, so a source that stops mid-frame leaks no buffer.
    /// </summary>
    public async ValueTask WriteToAsync(System.Threading.Channels.ChannelWriter<ScanLine> lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lines);
        try
        {
            await lines.WriteAsync(this, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Return();
            throw;
        }
    }
}
