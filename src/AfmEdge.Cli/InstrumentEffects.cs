using AfmEdge.Simulation.Instrument;

namespace AfmEdge.Cli;

/// <summary>
/// Names of the virtual microscope's effects that an evaluation can switch off one at a time, to find which of them
/// an analysis error comes from (an ablation). Switching an effect off sets its parameters to the ideal value; every
/// other effect keeps the options it had.
/// </summary>
internal static class InstrumentEffects
{
    /// <summary>Every name <see cref="TryParse"/> takes, with what switching it off means.</summary>
    public static IReadOnlyList<(string Name, string Meaning)> Known { get; } =
    [
        ("tip", "a point tip (no dilation)"),
        ("feedback", "ideal Z tracking (no feedback lag or parachuting)"),
        ("hysteresis", "no piezo hysteresis"),
        ("creep", "no slow-axis creep"),
        ("drift", "no lateral (x, y) drift"),
        ("drift-z", "no Z drift"),
        ("tilt", "no sample tilt"),
        ("scars", "no scars"),
        ("white", "no white noise on any channel"),
        ("pink", "no 1/f noise on any channel"),
        ("row-offsets", "no per-line offsets on any channel"),
        ("noise", "white, pink and row-offsets together"),
        ("lag", "no trace/retrace signal lag"),
        ("retrace-offset", "no extra retrace position offset"),
        ("probes", "no probe offsets (all probes at probe 1)"),
        ("dwell", "one sample per pixel instead of the dwell average"),
        ("all", "every effect above: the scan is the clean specimen seen through the scan path"),
    ];

    // A valid tip radius whose footprint is narrower than any grid spacing: dilation keeps every sample.
    private const double PointTipRadius = 1e-12;

    /// <summary>Parses a comma-separated list of effect names (case-insensitive; duplicates are fine).</summary>
    public static bool TryParse(string? text, out IReadOnlyList<string> effects, out string error)
    {
        var names = (text ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(n => n.ToLowerInvariant())
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var unknown = names.FirstOrDefault(n => !Known.Any(k => k.Name == n));
        if (unknown is not null)
        {
            effects = [];
            error = $"'{unknown}' is not an instrument effect; known: {string.Join(", ", Known.Select(k => k.Name))}.";
            return false;
        }

        effects = names;
        error = string.Empty;
        return true;
    }

    /// <summary>The instrument with only <paramref name="effects"/> on: every other effect switched off.</summary>
    public static InstrumentOptions Only(InstrumentOptions instrument, IEnumerable<string> effects)
    {
        ArgumentNullException.ThrowIfNull(effects);
        var kept = Expand(effects).ToHashSet(StringComparer.Ordinal);
        return Without(instrument, Known.Select(k => k.Name).Where(n => n != "all" && n != "noise" && !kept.Contains(n)));
    }

    /// <summary>The instrument with <paramref name="effects"/> switched off.</summary>
    public static InstrumentOptions Without(InstrumentOptions instrument, IEnumerable<string> effects)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        ArgumentNullException.ThrowIfNull(effects);
        foreach (var effect in Expand(effects))
        {
            instrument = Without(instrument, effect);
        }

        return instrument;
    }

    /// <summary>The single effects a list names ("noise" and "all" stand for several).</summary>
    private static IEnumerable<string> Expand(IEnumerable<string> effects) => effects.SelectMany(e => e switch
    {
        "all" => Known.Select(k => k.Name).Where(n => n is not ("all" or "noise")),
        "noise" => ["white", "pink", "row-offsets"],
        _ => new[] { e },
    });

    private static InstrumentOptions Without(InstrumentOptions i, string effect) => effect switch
    {
        "tip" => i with { Tip = new TipOptions { Shape = TipShape.Paraboloid, ApexRadius = PointTipRadius } },
        "feedback" => i with { Feedback = i.Feedback with { Enabled = false } },
        "hysteresis" => i with { Piezo = i.Piezo with { Hysteresis = 0 } },
        "creep" => i with { Piezo = i.Piezo with { Creep = 0 } },
        "drift" => i with { Drift = i.Drift with { VelocityX = 0, VelocityY = 0 } },
        "drift-z" => i with { Drift = i.Drift with { VelocityZ = 0 } },
        "tilt" => i with { Tilt = new TiltOptions { SlopeX = 0, SlopeY = 0 } },
        "scars" => i with { Scars = i.Scars with { Probability = 0 } },
        "white" => i with { Noise = Noise(i.Noise, n => n with { White = 0 }) },
        "pink" => i with { Noise = Noise(i.Noise, n => n with { Pink = 0 }) },
        "row-offsets" => i with { Noise = Noise(i.Noise, n => n with { RowOffset = 0 }) },
        "lag" => i with { TraceRetrace = i.TraceRetrace with { Lag = 0 } },
        "retrace-offset" => i with { TraceRetrace = i.TraceRetrace with { RetraceOffset = 0 } },
        "probes" => i with { ProbeOffsets = new ProbeOffsetOptions { Current = new ProbeOffset(), Potential = new ProbeOffset() } },
        "dwell" => i with { FastAxisSubsamples = 1 },
        _ => throw new ArgumentOutOfRangeException(nameof(effect), effect, "Unknown instrument effect."),
    };

    private static NoiseOptions Noise(NoiseOptions noise, Func<ChannelNoise, ChannelNoise> change) => new()
    {
        Height = change(noise.Height),
        Current = change(noise.Current),
        Potential = change(noise.Potential),
        Adhesion = change(noise.Adhesion),
    };
}
