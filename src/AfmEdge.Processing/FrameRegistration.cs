using System.Globalization;
using AfmEdge.Core;

namespace AfmEdge.Processing;

/// <summary>Which registrations <see cref="FrameRegistration"/> performs.</summary>
public enum RegistrationMode
{
    /// <summary>Retrace onto trace, then every probe onto the reference: "register".</summary>
    All,

    /// <summary>Each trace channel (other than the reference) onto the reference, its retrace moved with it: "register:probes".</summary>
    Probes,

    /// <summary>Retrace channels onto trace by the reference channel's trace/retrace shift: "register:retrace".</summary>
    Retrace,

    /// <summary>
    /// Retrace channels onto trace line by line along the fast axis, by the reference channel's per-line lags
    /// (<see cref="LineRegistration"/>): "register:retrace:lines".
    /// </summary>
    RetraceLines,
}

/// <summary>
/// The chain's registration step. The reference is the first present of <see cref="References"/>, probe 1's channels
/// (by default Adhesion, then Height: a probe-1 field is preferred because the height is dilated by the tip, which moves
/// the edges of asymmetric features, while the conductive probes' fields are not). Retrace: the shift between the
/// reference's trace and retrace images (intensity phase correlation: same quantity) is removed from every retrace
/// channel, which share the scan path. Probes: each probe channel (<see cref="Probes"/>, by default Current and
/// Potential) is matched to the reference by gradient-magnitude phase correlation (the fields share edges, not values)
/// and moved, its retrace with it. A shift whose confidence is below the minimum is refused and the channel left as it
/// was. Every estimate, and the area all shifted channels cover, is recorded in the frame metadata entry "registration".
/// </summary>
public sealed class FrameRegistration : IFrameOperation
{
    private readonly string[] _probes;
    private readonly string[] _references;
    private readonly bool _explicitProbes;

    public FrameRegistration(RegistrationMode mode, IEnumerable<string>? probes = null, IEnumerable<string>? references = null, double minConfidence = 0.3, bool crop = false)
    {
        Crop = crop;
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Registration mode must be All, Probes, Retrace or RetraceLines.");
        }

        if (!(minConfidence >= 0 && minConfidence <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(minConfidence), minConfidence, "Minimum confidence must be in [0, 1].");
        }

        Mode = mode;
        MinConfidence = minConfidence;
        _explicitProbes = probes is not null;
        _probes = probes is null ? [.. DefaultProbes] : [.. probes];
        _references = references is null ? [.. DefaultReferences] : [.. references];
        if (_probes.Length == 0 || _probes.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Probe channel names to register must be given and not empty.", nameof(probes));
        }

        if (_references.Length == 0 || _references.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Reference channel names must be given and not empty.", nameof(references));
        }
    }

    /// <summary>The conductive probes' channels of the three-probe instrument.</summary>
    public static IReadOnlyList<string> DefaultProbes { get; } = ["Current", "Potential"];

    /// <summary>Probe 1's channels, most suitable first.</summary>
    public static IReadOnlyList<string> DefaultReferences { get; } = ["Adhesion", "Height"];

    public RegistrationMode Mode { get; }

    /// <summary>
    /// Crop every channel to the area all shifted channels cover with real data (":crop" in the step name); the scan
    /// settings follow (size, pixels, and the offset of the origin corner, the area turning about its centre as the
    /// simulator's scan geometry has it).
    /// </summary>
    public bool Crop { get; }

    public double MinConfidence { get; }

    /// <summary>Trace channels registered onto the reference (absent ones are skipped unless named explicitly).</summary>
    public IReadOnlyList<string> Probes => _probes;

    /// <summary>Candidate reference channels; the first the frame has is used.</summary>
    public IReadOnlyList<string> References => _references;

    public string Name => Crop ? BaseName + ":crop" : BaseName;

    private string BaseName => Mode switch
    {
        RegistrationMode.Retrace => "register:retrace",
        RegistrationMode.RetraceLines => "register:retrace:lines",
        RegistrationMode.Probes when _explicitProbes => "register:probes:" + string.Join('+', _probes)
            + (_references.SequenceEqual(DefaultReferences) ? string.Empty : ":" + string.Join('+', _references)),
        RegistrationMode.Probes => "register:probes",
        _ => "register",
    };

    public Frame Apply(Frame frame) => Register(frame, buffers: null);

    /// <summary>As <see cref="Apply(Frame)"/>, the moved and cropped channels' arrays rented from <paramref name="buffers"/>.</summary>
    public Frame Apply(Frame frame, ChannelBufferPool buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        return Register(frame, buffers);
    }

    private Frame Register(Frame frame, ChannelBufferPool? buffers)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var channels = frame.Channels.ToArray();
        var reference = _references.Select(name => TraceIndex(channels, name)).FirstOrDefault(i => i >= 0, -1);
        if (reference < 0)
        {
            throw new ArgumentException($"Step '{Name}' needs a reference channel ({string.Join(" or ", _references)}); frame {frame.Id} has {string.Join(", ", channels.Select(c => c.Descriptor.Key))}.");
        }

        var report = new List<string>();
        var extra = new Dictionary<string, string>(StringComparer.Ordinal);
        var area = (X: 0, Y: 0, Right: frame.Width, Bottom: frame.Height);
        if (Mode is RegistrationMode.All or RegistrationMode.Retrace)
        {
            RegisterRetrace(channels, reference, report, buffers, ref area);
        }

        if (Mode is RegistrationMode.RetraceLines)
        {
            RegisterRetraceLines(channels, reference, report, extra, buffers, ref area);
        }

        if (Mode is RegistrationMode.All or RegistrationMode.Probes)
        {
            RegisterProbes(frame, channels, reference, report, buffers, ref area);
        }

        var (width, height) = (Math.Max(0, area.Right - area.X), Math.Max(0, area.Bottom - area.Y));
        report.Add(string.Create(CultureInfo.InvariantCulture, $"common area x={area.X} y={area.Y} {width}×{height} px"));
        var key = frame.Metadata.ContainsKey("registration") ? "registration." + Name : "registration";
        if (!Crop || (width == frame.Width && height == frame.Height))
        {
            return extra.Count == 0 ? frame.With(channels, key, string.Join("; ", report)) : new Frame(frame.Id, frame.Scan, channels, Metadata(frame, key, report, extra));
        }

        if (width < ScanSettings.MinPixels || height < ScanSettings.MinPixels)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Step '{Name}': the common area of frame {frame.Id} is {width}×{height} px, below the {ScanSettings.MinPixels}×{ScanSettings.MinPixels} a frame needs; the shifts were {string.Join("; ", report)}."));
        }

        report.Add("cropped to it");
        var cropped = channels.Select(c => CropChannel(c, area.X, area.Y, width, height, buffers));
        return new Frame(frame.Id, CropScan(frame.Scan, frame.Width, frame.Height, area.X, area.Y, width, height), cropped, Metadata(frame, key, report, extra));
    }

    private static Dictionary<string, string> Metadata(Frame frame, string key, List<string> report, Dictionary<string, string> extra)
    {
        var metadata = new Dictionary<string, string>(frame.Metadata, StringComparer.Ordinal) { [key] = string.Join("; ", report) };
        foreach (var (name, value) in extra)
        {
            metadata[key + "." + name] = value;
        }

        return metadata;
    }

    private void RegisterRetraceLines(Channel[] channels, int reference, List<string> report, Dictionary<string, string> extra, ChannelBufferPool? buffers,
        ref (int X, int Y, int Right, int Bottom) area)
    {
        var trace = channels[reference];
        var retrace = Array.FindIndex(channels, c => c.Direction == ScanDirection.Retrace && string.Equals(c.Name, trace.Name, StringComparison.OrdinalIgnoreCase));
        if (retrace < 0)
        {
            report.Add($"{trace.Name}: no retrace channel");
            return;
        }

        var lags = LineRegistration.Estimate(trace, channels[retrace], new LineLagOptions { GlobalMinConfidence = MinConfidence });
        report.Add($"{channels[retrace].Descriptor.Key}: {lags}");
        if (!lags.Accepted)
        {
            return;
        }

        // Every line's lag, so a published frame says what was moved (pixels, retrace against trace, top line first).
        extra["lines"] = string.Join(",", lags.Lag.Select(l => l.ToString("F3", CultureInfo.InvariantCulture)));
        double[] lag = [.. lags.Lag];
        for (var i = 0; i < channels.Length; i++)
        {
            if (channels[i].Direction == ScanDirection.Retrace)
            {
                var (channel, data) = (channels[i], ChannelBufferPool.Allocate(buffers, channels[i].Data.Length));
                LineRegistration.Apply(channel.Data, data, channel.Width, channel.Height, lag);
                channels[i] = channel.WithData(channel.Width, channel.Height, data);
            }
        }

        var (width, height) = (channels[reference].Width, channels[reference].Height);
        Shrink(ref area, width, height, new RegistrationShift(lags.Lag.Min(), 0, 1, true));
        Shrink(ref area, width, height, new RegistrationShift(lags.Lag.Max(), 0, 1, true));
    }

    private void RegisterRetrace(Channel[] channels, int reference, List<string> report, ChannelBufferPool? buffers, ref (int X, int Y, int Right, int Bottom) area)
    {
        var trace = channels[reference];
        var retrace = Array.FindIndex(channels, c => c.Direction == ScanDirection.Retrace && string.Equals(c.Name, trace.Name, StringComparison.OrdinalIgnoreCase));
        if (retrace < 0)
        {
            report.Add($"{trace.Name}: no retrace channel");
            return;
        }

        var shift = ChannelRegistration.Estimate(trace, channels[retrace], Options(RegistrationFeature.Intensity));
        report.Add($"{channels[retrace].Descriptor.Key}: {shift}");
        if (!shift.Accepted)
        {
            return;
        }

        for (var i = 0; i < channels.Length; i++)
        {
            if (channels[i].Direction == ScanDirection.Retrace)
            {
                channels[i] = Shifted(channels[i], -shift.Dx, -shift.Dy, buffers);
            }
        }

        Shrink(ref area, channels[reference].Width, channels[reference].Height, shift);
    }

    private void RegisterProbes(Frame frame, Channel[] channels, int reference, List<string> report, ChannelBufferPool? buffers, ref (int X, int Y, int Right, int Bottom) area)
    {
        var targets = new List<int>();
        foreach (var name in _probes)
        {
            var index = TraceIndex(channels, name);
            if (index < 0 && _explicitProbes)
            {
                throw new ArgumentException($"Step '{Name}': frame {frame.Id} has no trace channel '{name}'; it has {string.Join(", ", channels.Select(c => c.Descriptor.Key))}.");
            }

            if (index >= 0 && index != reference)
            {
                targets.Add(index);
            }
        }

        // All probes against the reference in one call: its feature and spectrum are made once.
        var shifts = ChannelRegistration.Estimate(channels[reference], [.. targets.Select(t => channels[t])], Options(RegistrationFeature.Gradient));
        for (var k = 0; k < targets.Count; k++)
        {
            var target = targets[k];
            var shift = shifts[k];
            report.Add($"{channels[target].Descriptor.Key}: {shift}");
            if (!shift.Accepted)
            {
                continue;
            }

            var name = channels[target].Name;
            for (var i = 0; i < channels.Length; i++)
            {
                if (string.Equals(channels[i].Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    channels[i] = Shifted(channels[i], -shift.Dx, -shift.Dy, buffers);
                }
            }

            Shrink(ref area, channels[reference].Width, channels[reference].Height, shift);
        }
    }

    // Both write every sample of the array they take (rented arrays hold an earlier frame's samples).
    private static Channel Shifted(Channel channel, double dx, double dy, ChannelBufferPool? buffers)
    {
        var data = ChannelBufferPool.Allocate(buffers, channel.Data.Length);
        ImageShift.Apply(channel.Data, data, channel.Width, channel.Height, dx, dy);
        return channel.WithData(channel.Width, channel.Height, data);
    }

    private static Channel CropChannel(Channel channel, int x0, int y0, int width, int height, ChannelBufferPool? buffers)
    {
        var data = ChannelBufferPool.Allocate(buffers, width * height);
        for (var y = 0; y < height; y++)
        {
            channel.Data.Slice(((y0 + y) * channel.Width) + x0, width).CopyTo(data.AsSpan(y * width, width));
        }

        return channel.WithData(width, height, data);
    }

    /// <summary>The scan of the cropped area: the same pixel size, its centre moved by the crop's (rotated) displacement.</summary>
    private static ScanSettings CropScan(ScanSettings scan, int frameWidth, int frameHeight, int x0, int y0, int width, int height)
    {
        var pixelX = scan.SizeX / frameWidth;
        var pixelY = scan.SizeY / frameHeight;
        var du = ((x0 + (0.5 * width)) * pixelX) - (0.5 * scan.SizeX);
        var dv = ((y0 + (0.5 * height)) * pixelY) - (0.5 * scan.SizeY);
        var angle = scan.AngleDegrees * Math.PI / 180;
        var (cos, sin) = (Math.Cos(angle), Math.Sin(angle));
        var sizeX = width * pixelX;
        var sizeY = height * pixelY;
        return scan with
        {
            SizeX = sizeX,
            SizeY = sizeY,
            PixelsX = width,
            PixelsY = height,
            OffsetX = scan.OffsetX + (0.5 * scan.SizeX) + (cos * du) - (sin * dv) - (0.5 * sizeX),
            OffsetY = scan.OffsetY + (0.5 * scan.SizeY) + (sin * du) + (cos * dv) - (0.5 * sizeY),
        };
    }

    private static int TraceIndex(Channel[] channels, string name) =>
        Array.FindIndex(channels, c => c.Direction == ScanDirection.Trace && string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    private RegistrationOptions Options(RegistrationFeature feature) => new() { Feature = feature, MinConfidence = MinConfidence };

    // A channel moved by (−dx, −dy) holds real data only where its source was inside the image.
    private static void Shrink(ref (int X, int Y, int Right, int Bottom) area, int width, int height, RegistrationShift shift)
    {
        var valid = ImageShift.ValidArea(width, height, -shift.Dx, -shift.Dy);
        area = (Math.Max(area.X, valid.X), Math.Max(area.Y, valid.Y),
            Math.Min(area.Right, valid.X + valid.Width), Math.Min(area.Bottom, valid.Y + valid.Height));
    }
}
