using System.Threading.Channels;
using AfmEdge.Core;

namespace AfmEdge.Host.Sources;

/// <summary>
/// A source that scans its first <see cref="RepeatAfter"/> frames with the source it wraps, keeps their lines, and then
/// replays them in a loop with the frame numbers going on (<c>Source:RepeatAfter</c>); later runs replay from frame 0. The virtual microscope's physics
/// (the closed loop: hundreds of milliseconds of processor time per 256² frame) is far slower than the pipeline behind it;
/// replayed frames let the pipeline be run and measured at full speed on realistic frames. Never for a real instrument:
/// the options validator refuses it for the board.
/// </summary>
public sealed class RepeatingScanSource : IScanSource
{
    private readonly IScanSource _inner;
    private readonly TimeProvider _time;
    private readonly bool _pace;
    private RecordedLine[][]? _frames;

    public RepeatingScanSource(IScanSource inner, long repeatAfter, bool pace, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeatAfter, 1);
        _inner = inner;
        _time = time;
        _pace = pace;
        RepeatAfter = repeatAfter;
    }

    /// <summary>Frames scanned by the wrapped source before the replay starts.</summary>
    public long RepeatAfter { get; }

    public IReadOnlyList<ChannelDescriptor> Channels => _inner.Channels;

    public ScanSettings Scan => _inner.Scan;

    public async Task RunAsync(ChannelWriter<ScanLine> lines, long frameCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentOutOfRangeException.ThrowIfNegative(frameCount);
        // Frame r of a run is numbered r and shows recorded frame r mod n. The first run that reaches n frames records
        // them as it scans; later runs (and the rest of that one) replay.
        long start = 0;
        if (_frames is null)
        {
            var scanned = frameCount == 0 ? RepeatAfter : Math.Min(frameCount, RepeatAfter);
            var recorded = await RecordAsync(lines, scanned, cancellationToken).ConfigureAwait(false);
            var frames = recorded.GroupBy(l => l.FrameSequence).Select(g => g.ToArray()).ToArray();
            if (frames.Length < RepeatAfter)
            {
                // A run of fewer frames than RepeatAfter only scans.
                return;
            }

            _frames = frames;
            start = RepeatAfter;
        }

        await ReplayAsync(lines, _frames, start, frameCount, cancellationToken).ConfigureAwait(false);
    }

    private async Task ReplayAsync(ChannelWriter<ScanLine> lines, RecordedLine[][] frames, long start, long frameCount, CancellationToken cancellationToken)
    {
        var lineTicks = (long)(_time.TimestampFrequency / Scan.LineRateHz);
        var deadline = _time.GetTimestamp();
        for (var sequence = start; frameCount == 0 || sequence < frameCount; sequence++)
        {
            foreach (var source in frames[sequence % frames.Length])
            {
                cancellationToken.ThrowIfCancellationRequested();
                var line = ScanLine.Rent(sequence, source.LineIndex, source.Pixels, Channels.Count);
                for (var c = 0; c < Channels.Count; c++)
                {
                    source.Samples.AsSpan(c * source.Pixels, source.Pixels).CopyTo(line.Samples(c));
                }

                await line.WriteToAsync(lines, cancellationToken).ConfigureAwait(false);

                if (_pace)
                {
                    // A running deadline, as the sources pace themselves, so scheduling jitter does not add up.
                    deadline += lineTicks;
                    var wait = _time.GetElapsedTime(_time.GetTimestamp(), deadline);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
    }

    /// <summary>Runs the wrapped source for <paramref name="frames"/> frames, passing each line on and keeping a copy.</summary>
    private async Task<List<RecordedLine>> RecordAsync(ChannelWriter<ScanLine> lines, long frames, CancellationToken cancellationToken)
    {
        var relay = System.Threading.Channels.Channel.CreateBounded<ScanLine>(new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = true });
        var scan = Task.Run(async () =>
        {
            try
            {
                await _inner.RunAsync(relay.Writer, frames, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                relay.Writer.TryComplete();
            }
        }, cancellationToken);
        var recorded = new List<RecordedLine>();
        try
        {
            await foreach (var line in relay.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var samples = new float[line.Pixels * line.ChannelCount];
                for (var c = 0; c < line.ChannelCount; c++)
                {
                    line.Samples(c).CopyTo(samples.AsSpan(c * line.Pixels));
                }

                recorded.Add(new RecordedLine(line.FrameSequence, line.LineIndex, line.Pixels, samples));
                await line.WriteToAsync(lines, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            // Lines the relay still holds after a cancellation go back to the pool.
            while (relay.Reader.TryRead(out var left))
            {
                left.Return();
            }
        }

        await scan.ConfigureAwait(false);
        return recorded;
    }

    private sealed record RecordedLine(long FrameSequence, int LineIndex, int Pixels, float[] Samples);
}
