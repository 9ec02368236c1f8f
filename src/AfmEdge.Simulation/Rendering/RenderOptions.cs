namespace AfmEdge.Simulation.Rendering;

/// <summary>How <see cref="IdealScan"/> renders one frame.</summary>
public sealed record RenderOptions
{
    /// <summary>True: the specimen's fields sampled at the pixel centres, with no instrument effect at all.</summary>
    public bool Clean { get; init; }

    /// <summary>Also produce the retrace channels (in clean mode they equal the trace).</summary>
    public bool IncludeRetrace { get; init; } = true;

    /// <summary>Seed of the instrument's random effects (noise, row offsets, scars); the specimen has its own.</summary>
    public long NoiseSeed { get; init; }

    /// <summary>
    /// Seconds from the drift's origin to the frame's first line. Frames scanned one after another pass
    /// <c>frameIndex × PixelsY / LineRateHz</c>, so drift accumulates across frames as it would on a microscope.
    /// </summary>
    public double StartTime { get; init; }

    public long FrameSequence { get; init; }

    public DateTimeOffset AcquiredAt { get; init; } = DateTimeOffset.UnixEpoch;
}
