using System.Threading.Channels;
using AfmEdge.Core;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Simulation.Rendering;

/// <summary>
/// The virtual microscope as a scan source: renders each frame with <see cref="IdealScan"/> and writes it
/// line by line, channels in the order of <see cref="Channels"/>.
/// </summary>
/// <remarks>
/// Successive frames scan the same specimen (same seed) as time goes on: frame n starts at
/// n × FrameTime, so thermal drift keeps moving the sample from frame to frame, and its instrument noise
/// uses NoiseSeed = Seed + n. Frame n has sequence number n.
/// </remarks>
public sealed class VirtualMicroscopeSource : IScanSource
{
    private readonly VirtualMicroscopeOptions _options;
    private readonly TimeProvider _time;
    private readonly Lazy<ChromosomeSpecimen> _specimen;

    public VirtualMicroscopeSource(VirtualMicroscopeOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid virtual microscope options: " + string.Join(" ", errors), nameof(options));
        }

        _options = options;
        _time = time ?? TimeProvider.System;
        _specimen = new Lazy<ChromosomeSpecimen>(() => new ChromosomeSpecimen(options.Seed, options.Specimen));
        Channels = SimulatedChannels.Descriptors(options.IncludeRetrace);
    }

    public IReadOnlyList<ChannelDescriptor> Channels { get; }

    public ScanSettings Scan => _options.Scan;

    /// <summary>The specimen under the tip (built on first use).</summary>
    public ChromosomeSpecimen Specimen => _specimen.Value;

    /// <summary>Frame <paramref name="index"/> exactly as <see cref="RunAsync"/> produces it.</summary>
    public Frame RenderFrame(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var scan = _options.Scan;
        return IdealScan.Render(Specimen, scan, _options.Instrument, new RenderOptions
        {
            Clean = _options.Clean,
            IncludeRetrace = _options.IncludeRetrace,
            NoiseSeed = _options.Seed + index,
            StartTime = index * scan.PixelsY / scan.LineRateHz,
            FrameSequence = index,
            AcquiredAt = _time.GetUtcNow(),
        });
    }

    public async Task RunAsync(ChannelWriter<ScanLine> lines, long frameCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentOutOfRangeException.ThrowIfNegative(frameCount);
        var scan = _options.Scan;
        // One running deadline for the whole run: the time spent rendering a frame is made up by the lines after it,
        // so the frame rate is the scan's (PixelsY / LineRateHz), not that plus render time.
        var next = _time.GetTimestamp();
        for (long index = 0; frameCount == 0 || index < frameCount; index++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var frame = await Task.Run(() => RenderFrame(index), cancellationToken).ConfigureAwait(false);
            for (var row = 0; row < scan.PixelsY; row++)
            {
                var line = ScanLine.Rent(index, row, scan.PixelsX, Channels.Count);
                for (var c = 0; c < Channels.Count; c++)
                {
                    frame.Channels[c].Row(row).CopyTo(line.Samples(c));
                }

                await line.WriteToAsync(lines, cancellationToken).ConfigureAwait(false);

                if (_options.PaceToLineRate)
                {
                    // Pace against a running deadline so render time and scheduling jitter do not accumulate.
                    next += (long)(_time.TimestampFrequency / scan.LineRateHz);
                    var wait = _time.GetElapsedTime(_time.GetTimestamp(), next);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
    }
}
