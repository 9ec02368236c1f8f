using AfmEdge.Messaging;

namespace AfmEdge.Host.Options;

/// <summary>The whole device configuration: the "AfmEdge" section of the config file.</summary>
public sealed class AfmEdgeOptions
{
    public const string SectionName = "AfmEdge";

    public SourceOptions Source { get; set; } = new();

    public ProcessingOptions Processing { get; set; } = new();

    public EnhancementOptions Enhancement { get; set; } = new();

    public MqttOptions Mqtt { get; set; } = new();

    public PipelineOptions Pipeline { get; set; } = new();

    public PreviewOptions Preview { get; set; } = new();
}

/// <summary>The PNG preview published (retained) for dashboards: which channel, how big, how often.</summary>
public sealed class PreviewOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Trace channel to render, e.g. "Height".</summary>
    public string Channel { get; set; } = "Height";

    /// <summary>At most this many previews per second; frames in between are skipped, never queued.</summary>
    public double MaxRateHz { get; set; } = 1;

    /// <summary>Longest side of the preview image in pixels.</summary>
    public int MaxSide { get; set; } = 256;
}

/// <summary>The processing chain as ordered step names, e.g. ["level:plane"].</summary>
public sealed class ProcessingOptions
{
    public static IReadOnlyList<string> DefaultSteps { get; } = ["level:plane"];

    /// <summary>
    /// Null when the config does not say, which means <see cref="DefaultSteps"/>. .NET configuration cannot tell an
    /// empty JSON array from a missing key, so [] also means the default. (A pre-filled default list would be
    /// appended to, not replaced, by the configuration binder; hence the null.)
    /// </summary>
    public IList<string>? Steps { get; set; }

    public IReadOnlyList<string> EffectiveSteps => Steps is null ? DefaultSteps : [.. Steps];
}

public sealed class EnhancementOptions
{
    /// <summary>"bicubic" until the CNN engines land.</summary>
    public string Engine { get; set; } = "bicubic";
}

/// <summary>Capacities of the bounded channels between stages.</summary>
public sealed class PipelineOptions
{
    /// <summary>Scan lines buffered between the source and frame assembly (scan data waits, never drops).</summary>
    public int LineCapacity { get; set; } = 2048;

    /// <summary>Frames buffered between each pair of later stages.</summary>
    public int FrameCapacity { get; set; } = 4;

    /// <summary>Stop the host once the source has produced Source:Frames frames and all were published.</summary>
    public bool StopWhenSourceCompletes { get; set; } = true;
}
