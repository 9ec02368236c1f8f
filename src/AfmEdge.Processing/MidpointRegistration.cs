using System.Globalization;
using AfmEdge.Core;

namespace AfmEdge.Processing;

/// <summary>
/// The chain's "register:midpoint[:K]" step: puts trace and retrace where the tip really was. An open-loop piezo
/// lags its command by hysteresis (the trace one way, the retrace the other, most at mid-line), and every signal path
/// lags the tip by its delay (feedback, filters), again in opposite senses for the two directions. Both are symmetric,
/// so the true position lies midway between trace and retrace: the step measures the retrace's displacement D(x)
/// against the trace column by column (<see cref="TraceRetraceDisplacement"/>, a polynomial of degree K in x, default 2)
/// and moves each trace channel by D(x)/2 and each retrace channel by −D(x)/2 (<see cref="FastAxisWarp"/>). Each
/// channel with its own trace/retrace pair uses its own D (its signal path has its own delay) when the estimate is
/// accepted, else the reference's (the first present of <see cref="References"/>, probe 1's channels); channels
/// without a pair take the reference's, since they share the scan path. What cannot be seen from the pair is left:
/// drift and slow-axis creep move both directions alike. Every estimate goes to the frame metadata entry
/// "registration.midpoint"; a frame without retrace channels passes unchanged, which that entry says.
/// </summary>
public sealed class MidpointRegistration : IFrameOperation
{
    public const int DefaultDegree = 2;

    private readonly string[] _references;

    public MidpointRegistration(int degree = DefaultDegree, IEnumerable<string>? references = null, double minConfidence = 0.3)
    {
        if (degree is < 0 or > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(degree), degree, "Polynomial degree of the trace/retrace displacement must be 0 to 3.");
        }

        if (!(minConfidence >= 0 && minConfidence <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(minConfidence), minConfidence, "Minimum confidence must be in [0, 1].");
        }

        _references = references is null ? [.. FrameRegistration.DefaultReferences] : [.. references];
        if (_references.Length == 0 || _references.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Reference channel names must be given and not empty.", nameof(references));
        }

        Options = new DisplacementOptions { Degree = degree, MinConfidence = minConfidence };
    }

    /// <summary>Candidate reference channels (with a retrace); the first the frame has is used.</summary>
    public IReadOnlyList<string> References => _references;

    public DisplacementOptions Options { get; }

    public string Name => Options.Degree == DefaultDegree ? "register:midpoint" : string.Create(CultureInfo.InvariantCulture, $"register:midpoint:{Options.Degree}");

    public Frame Apply(Frame frame) => Register(frame, buffers: null);

    /// <summary>As <see cref="Apply(Frame)"/>, with every moved channel written into an array rented from <paramref name="buffers"/>.</summary>
    public Frame Apply(Frame frame, ChannelBufferPool buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        return Register(frame, buffers);
    }

    private Frame Register(Frame frame, ChannelBufferPool? buffers)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var channels = frame.Channels.ToArray();
        var names = channels.Select(c => c.Name).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var pairs = new (int Trace, int Retrace)[names.Length];
        for (var n = 0; n < names.Length; n++)
        {
            pairs[n] = (Index(channels, names[n], ScanDirection.Trace), Index(channels, names[n], ScanDirection.Retrace));
        }

        var estimates = new FastAxisDisplacement?[names.Length];
        Parallel.For(0, names.Length, n =>
        {
            if (pairs[n] is { Trace: >= 0, Retrace: >= 0 } pair)
            {
                // One pair per core: each estimate's own warp stays on its thread.
                var (trace, retrace) = (channels[pair.Trace], channels[pair.Retrace]);
                if (trace.Width != retrace.Width || trace.Height != retrace.Height)
                {
                    // The public overload's message names both channels.
                    estimates[n] = TraceRetraceDisplacement.Estimate(trace, retrace, Options);
                    return;
                }

                estimates[n] = TraceRetraceDisplacement.Estimate(trace.Memory, retrace.Memory, trace.Width, trace.Height, Options, parallel: false);
            }
        });

        var reference = _references
            .Select(r => Array.FindIndex(names, n => string.Equals(n, r, StringComparison.OrdinalIgnoreCase)))
            .FirstOrDefault(n => n >= 0 && estimates[n] is not null, -1);
        if (reference < 0)
        {
            return frame.With(channels, MetadataKey, $"no trace/retrace pair of {string.Join(" or ", _references)}; nothing moved");
        }

        var report = new List<string>();
        var warps = new List<(int Channel, double[] Shift)>();
        for (var n = 0; n < names.Length; n++)
        {
            var own = estimates[n];
            var used = own is { Accepted: true } ? own : estimates[reference]!;
            var source = ReferenceEquals(used, own) ? string.Empty : $" (own {(own is null ? "pair absent" : own.ToString())}; {names[reference]}'s used)";
            if (!used.Accepted)
            {
                report.Add($"{names[n]}: {(own ?? used)}{source}; not moved");
                continue;
            }

            report.Add(string.Create(CultureInfo.InvariantCulture, $"{names[n]}: {used}{source}"));
            foreach (var (index, sign) in new[] { (pairs[n].Trace, 0.5), (pairs[n].Retrace, -0.5) })
            {
                if (index < 0)
                {
                    continue;
                }

                var shift = new double[frame.Width];
                for (var x = 0; x < shift.Length; x++)
                {
                    shift[x] = sign * used.At(x);
                }

                warps.Add((index, shift));
            }
        }

        // The channels' warps, one channel per core at a time: a 256² warp split over the cores costs more in hand-offs
        // than its rows. The arrays are rented first, in channel order, on this thread.
        var moved = new Channel[warps.Count];
        var outputs = warps.Select(w => ChannelBufferPool.Allocate(buffers, channels[w.Channel].Data.Length)).ToArray();
        Parallel.For(0, warps.Count, w =>
        {
            var channel = channels[warps[w].Channel];
            FastAxisWarp.Apply(channel.Memory, outputs[w], channel.Width, channel.Height, warps[w].Shift, parallel: false);
            moved[w] = channel.WithData(channel.Width, channel.Height, outputs[w]);
        });
        for (var w = 0; w < warps.Count; w++)
        {
            channels[warps[w].Channel] = moved[w];
        }

        return frame.With(channels, MetadataKey, string.Join("; ", report));
    }

    /// <summary>The frame metadata entry the step writes.</summary>
    public static string MetadataKey => "registration.midpoint";

    private static int Index(Channel[] channels, string name, ScanDirection direction) =>
        Array.FindIndex(channels, c => c.Direction == direction && string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
}
