using System.Globalization;
using AfmEdge.Core;
using AfmEdge.Inference;

namespace AfmEdge.Host.Enhancement;

/// <summary>
/// What the choice of model depends on (<see cref="ModelCatalog.Select"/>): a frame's trace channels (sorted) and its pixel
/// (the larger side, metres; a model is trained at one pixel). The enhancer chooses once per kind, and the fine-tuner
/// finds the model the enhancer uses by the same kind.
/// </summary>
internal sealed record FrameKind(string[] Channels, double PixelSize)
{
    public static FrameKind Of(Frame frame) => new(
        [.. frame.Channels.Where(c => c.Direction == ScanDirection.Trace).Select(c => c.Name).Order(StringComparer.Ordinal)],
        Math.Max(frame.PixelSizeX, frame.PixelSizeY));

    public bool Equals(FrameKind? other) =>
        other is not null && PixelSize.Equals(other.PixelSize) && Channels.AsSpan().SequenceEqual(other.Channels);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var channel in Channels)
        {
            hash.Add(channel, StringComparer.Ordinal);
        }

        hash.Add(PixelSize);
        return hash.ToHashCode();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{string.Join(',', Channels)}; {PixelSize * 1e9:0.#} nm pixels");
}
