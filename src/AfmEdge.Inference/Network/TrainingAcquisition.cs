namespace AfmEdge.Inference.Network;

/// <summary>
/// The corrections a model's training scans got before they became its inputs (`afmedge train`'s
/// <c>dataset.acquisition</c>), as its metadata records them: a host should correct its scans alike before enhancing.
/// </summary>
public static class TrainingAcquisition
{
    /// <summary>The metadata key: the processing steps as <c>ProcessingChain.Steps</c> writes them ("": none, raw scans).</summary>
    public const string MetadataKey = "acquisition";

    /// <summary>The steps <paramref name="network"/>'s training scans were corrected by, or null when its metadata does not say.</summary>
    public static string? Of(EnhancerNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Metadata.TryGetValue(MetadataKey, out var steps) ? steps : null;
    }
}
