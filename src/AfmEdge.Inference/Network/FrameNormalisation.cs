using System.Globalization;

namespace AfmEdge.Inference.Network;

/// <summary>
/// Per-frame standardisation, for models whose metadata says <c>normalisation = frame</c>: each input channel is
/// centred and scaled by the frame's own mean and standard deviation instead of the stored
/// <see cref="EnhancerNetwork.Mean"/>/<see cref="EnhancerNetwork.Std"/>. Because the bicubic skip is affine-
/// equivariant (its weights sum to 1), this equals mapping the frame onto the stored statistics,
/// <c>x' = (x − m)/s · Std + Mean</c>, enhancing, and mapping the output back, <c>y = (y' − Mean)/Std · s + m</c>:
/// the enhancer is then independent of the file's height offset and scale (imported files sit micrometres away
/// from the simulator's heights). The statistics belong to the whole frame and are computed once, before tiling,
/// so tiled inference still equals full-frame inference.
/// </summary>
public static class FrameNormalisation
{
    /// <summary>The metadata key that names the model's normalisation ("stored", the default, or "frame").</summary>
    public const string MetadataKey = "normalisation";

    public const string PerFrame = "frame";

    /// <summary>True when the network standardises each frame with the frame's own statistics.</summary>
    public static bool IsPerFrame(EnhancerNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Metadata.TryGetValue(MetadataKey, out var value) && string.Equals(value, PerFrame, StringComparison.Ordinal);
    }

    /// <summary>
    /// Mean and standard deviation of the finite samples (double sums, fixed order). A constant or empty plane
    /// gives scale 0; callers keep the stored scale then, as a flat frame has no scale of its own.
    /// </summary>
    public static (float Centre, float Scale) Statistics(ReadOnlySpan<float> plane)
    {
        var statistics = new StatisticsAccumulator();
        statistics.AddToMean(plane);
        statistics.EndMean();
        statistics.AddToSquares(plane);
        return statistics.Result;
    }

    /// <summary>
    /// The statistics the network standardises this frame with: the frame's own for a per-frame model (the stored
    /// scale where a channel is flat), the stored ones otherwise.
    /// </summary>
    public static (float[] Mean, float[] Std) For(EnhancerNetwork network, IReadOnlyList<float[]> inputs)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count != network.InputChannels.Count)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Expected {network.InputChannels.Count} input planes, not {inputs.Count}."), nameof(inputs));
        }

        if (!IsPerFrame(network))
        {
            return (network.Mean, network.Std);
        }

        var statistics = new (float Centre, float Scale)[inputs.Count];
        for (var c = 0; c < inputs.Count; c++)
        {
            statistics[c] = Statistics(inputs[c]);
        }

        return FromStatistics(network, statistics);
    }

    /// <summary>
    /// What <see cref="For"/> gives a per-frame model once each channel's <see cref="Statistics"/> are known, however
    /// they were gathered (a whole plane, or rows read twice from a file with a <see cref="StatisticsAccumulator"/>).
    /// </summary>
    public static (float[] Mean, float[] Std) FromStatistics(EnhancerNetwork network, ReadOnlySpan<(float Centre, float Scale)> statistics)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (statistics.Length != network.InputChannels.Count)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Expected statistics for {network.InputChannels.Count} input channels, not {statistics.Length}."), nameof(statistics));
        }

        var mean = new float[statistics.Length];
        var std = new float[statistics.Length];
        for (var c = 0; c < statistics.Length; c++)
        {
            var (centre, scale) = statistics[c];
            mean[c] = centre;
            std[c] = scale > 0 && float.IsFinite(scale) ? scale : network.Std[c];
        }

        return (mean, std);
    }

    /// <summary>The network with this frame's statistics in place of the stored ones (itself when it normalises by stored statistics).</summary>
    public static EnhancerNetwork ForFrame(EnhancerNetwork network, IReadOnlyList<float[]> inputs)
    {
        if (!IsPerFrame(network))
        {
            ArgumentNullException.ThrowIfNull(inputs);
            return network;
        }

        var (mean, std) = For(network, inputs);
        return new EnhancerNetwork(network.Name, network.InputChannels, network.OutputChannels, mean, std, network.Layers, network.Metadata);
    }
}
