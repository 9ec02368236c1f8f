namespace AfmEdge.Core;

/// <summary>
/// Collects a source's lines into frames. Lines arrive in order; a frame is complete when its last
/// line has arrived. A line from a new frame while one is incomplete means lines were lost upstream,
/// which must never happen silently.
/// </summary>
public sealed class FrameAssembler
{
    private readonly IReadOnlyList<ChannelDescriptor> _channels;
    private readonly ScanSettings _scan;
    private readonly TimeProvider _time;
    private readonly ChannelBufferPool? _pool;
    private float[][]? _buffers;
    private long _sequence = -1;
    private int _nextLine;
    private DateTimeOffset _startedAt;

    /// <param name="pool">
    /// Where each frame's channel arrays come from (arrays of frames the consumer has finished with, handed back to it);
    /// null allocates new ones. Every sample of a frame is written from its lines, so a reused array's old samples never show.
    /// </param>
    public FrameAssembler(IReadOnlyList<ChannelDescriptor> channels, ScanSettings scan, TimeProvider time, ChannelBufferPool? pool = null)
    {
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(time);
        if (channels.Count == 0)
        {
            throw new ArgumentException("A frame needs at least one channel.", nameof(channels));
        }

        _channels = channels;
        _scan = scan;
        _time = time;
        _pool = pool;
    }

    /// <summary>Copies the line into the frame being built and returns the line's buffer; yields the frame when complete.</summary>
    public bool TryAdd(ScanLine line, out Frame? frame)
    {
        try
        {
            if (line.Pixels != _scan.PixelsX || line.ChannelCount != _channels.Count)
            {
                throw new InvalidOperationException(
                    $"Line {line.LineIndex} of frame {line.FrameSequence} has {line.ChannelCount} channels × {line.Pixels} pixels; the scan expects {_channels.Count} × {_scan.PixelsX}.");
            }

            if (_buffers is null)
            {
                if (line.LineIndex != 0)
                {
                    throw new InvalidOperationException($"Frame {line.FrameSequence} started at line {line.LineIndex}, not 0: lines were lost.");
                }

                _sequence = line.FrameSequence;
                _nextLine = 0;
                _startedAt = _time.GetUtcNow();
                _buffers = new float[_channels.Count][];
                for (var c = 0; c < _buffers.Length; c++)
                {
                    _buffers[c] = ChannelBufferPool.Allocate(_pool, _scan.PixelsX * _scan.PixelsY);
                }
            }

            if (line.FrameSequence != _sequence || line.LineIndex != _nextLine)
            {
                throw new InvalidOperationException(
                    $"Expected line {_nextLine} of frame {_sequence} but got line {line.LineIndex} of frame {line.FrameSequence}: lines were lost or reordered.");
            }

            for (var c = 0; c < _buffers.Length; c++)
            {
                line.Samples(c).CopyTo(_buffers[c].AsSpan(line.LineIndex * _scan.PixelsX, _scan.PixelsX));
            }
        }
        finally
        {
            line.Return();
        }

        _nextLine++;
        if (_nextLine < _scan.PixelsY)
        {
            frame = null;
            return false;
        }

        var buffers = _buffers;
        _buffers = null;
        var channels = new Channel[_channels.Count];
        for (var c = 0; c < channels.Length; c++)
        {
            channels[c] = new Channel(_channels[c], _scan.PixelsX, _scan.PixelsY, buffers[c]);
        }

        frame = new Frame(new FrameId(_startedAt, _sequence), _scan, channels);
        return true;
    }
}
