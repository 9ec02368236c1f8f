namespace AfmEdge.Messaging;

/// <summary>
/// The versioned topic layout of the MQTT contract: afm/v1/{site}/{device}/… (see DESIGN.md).
/// Site and device are single topic levels, so they may not contain '/', '+', '#' or be empty.
/// </summary>
public sealed class TopicScheme
{
    public const string Version = "v1";

    public TopicScheme(string site, string device)
    {
        CheckLevel(site, nameof(site));
        CheckLevel(device, nameof(device));
        Site = site;
        Device = device;
        Root = $"afm/{Version}/{site}/{device}";
    }

    public string Site { get; }
    public string Device { get; }
    public string Root { get; }

    /// <summary>Retained "online"/"offline"; "offline" is also the last will.</summary>
    public string Status => Root + "/status";

    public string Summary => Root + "/summary";
    public string Preview => Root + "/preview";

    /// <summary>
    /// A retained PNG of the latest analysed frame's analysis, one topic per figure: plots/labels,
    /// plots/local-correlation-{channel} and plots/scatter-{channel} (names from AnalysisPlots.All).
    /// </summary>
    public string Plot(string name)
    {
        CheckLevel(name, nameof(name));
        return Root + "/plots/" + name;
    }

    /// <summary>Filter matching every plot topic of this device.</summary>
    public string AllPlots => Root + "/plots/+";

    /// <summary>Every chunk of every channel of one frame is published here; user properties tell them apart.</summary>
    public string Frame(string frameId)
    {
        CheckLevel(frameId, nameof(frameId));
        return Root + "/frame/" + frameId;
    }

    /// <summary>Filter matching every frame topic of this device.</summary>
    public string AllFrames => Root + "/frame/+";

    public static bool IsValidLevel(string? level, out string error)
    {
        if (string.IsNullOrEmpty(level))
        {
            error = "must not be empty";
            return false;
        }

        if (level.IndexOfAny(['/', '+', '#', '\0']) >= 0 || level.Any(char.IsWhiteSpace))
        {
            error = $"'{level}' must be one MQTT topic level: no '/', '+', '#', NUL or whitespace";
            return false;
        }

        error = string.Empty;
        return true;
    }

    private static void CheckLevel(string level, string name)
    {
        if (!IsValidLevel(level, out var error))
        {
            throw new ArgumentException($"{name} {error}.", name);
        }
    }
}
