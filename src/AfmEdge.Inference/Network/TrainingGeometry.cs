using System.Globalization;
using AfmEdge.Inference.Onnx;

namespace AfmEdge.Inference.Network;

/// <summary>
/// The pixel a model was trained at, from the metadata `afmedge train` writes (<c>datasetPixels</c>: the clean target's
/// pixels per side; <c>fieldSizeUm</c>: the specimen field). A model learns the tip, feedback and dwell at that pixel, so
/// the catalog gives a frame the model trained nearest its own pixel.
/// </summary>
public static class TrainingGeometry
{
    /// <summary>The metadata key of the clean target's pixels per side.</summary>
    public const string PixelsKey = "datasetPixels";

    /// <summary>The metadata key of the training field's side in micrometres.</summary>
    public const string FieldKey = "fieldSizeUm";

    /// <summary>
    /// The side of one input pixel in metres (the field over half the target's pixels: the model enhances ×2), or null
    /// when the metadata does not say (a model trained elsewhere). Throws <see cref="OnnxModelException"/> naming the
    /// model and the entry when the metadata says it badly.
    /// </summary>
    public static double? InputPixelSize(EnhancerNetwork network) =>
        Of(network) is (int pixels, double fieldUm) ? fieldUm * 1e-6 / (pixels / 2) : null;

    /// <summary>
    /// The clean target's pixels per side and the field's side in µm the model was trained on, or null when the metadata
    /// does not say. Throws <see cref="OnnxModelException"/> naming the model and the entry when the metadata says it badly.
    /// </summary>
    public static (int TargetPixels, double FieldUm)? Of(EnhancerNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var hasPixels = network.Metadata.TryGetValue(PixelsKey, out var pixelsText);
        var hasField = network.Metadata.TryGetValue(FieldKey, out var fieldText);
        if (!hasPixels && !hasField)
        {
            return null;
        }

        if (!hasPixels || !hasField)
        {
            throw new OnnxModelException($"Model '{network.Name}': metadata has {(hasPixels ? PixelsKey : FieldKey)} without {(hasPixels ? FieldKey : PixelsKey)}; both or neither say its training pixel.");
        }

        if (!int.TryParse(pixelsText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pixels) || pixels < 2 || pixels % 2 != 0)
        {
            throw new OnnxModelException($"Model '{network.Name}': metadata {PixelsKey} = '{pixelsText}' must be an even number of pixels, at least 2.");
        }

        if (!double.TryParse(fieldText, NumberStyles.Float, CultureInfo.InvariantCulture, out var fieldUm) || !double.IsFinite(fieldUm) || fieldUm <= 0)
        {
            throw new OnnxModelException($"Model '{network.Name}': metadata {FieldKey} = '{fieldText}' must be a positive number of micrometres.");
        }

        return (pixels, fieldUm);
    }
}
