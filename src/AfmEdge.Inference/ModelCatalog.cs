using AfmEdge.Inference.Network;
using AfmEdge.Inference.Onnx;

namespace AfmEdge.Inference;

/// <summary>A model file and the network it holds.</summary>
/// <exception cref="OnnxModelException">The network's metadata states its training pixel badly (<see cref="TrainingGeometry"/>).</exception>
public sealed record ModelEntry(string Path, EnhancerNetwork Network)
{
    /// <summary>The name config and the CLI use: the network's name as the file records it.</summary>
    public string Name => Network.Name;

    /// <summary>The side of the input pixel the model was trained at, in metres; null when its metadata does not say.</summary>
    public double? InputPixelSize { get; } = TrainingGeometry.InputPixelSize(Network);
}

/// <summary>
/// The enhancer models in a folder (the bundled models/ by default). Every *.onnx file is read and checked once;
/// a file that cannot be used is listed in <see cref="Problems"/> with the reason, never silently skipped. The
/// enhancer for a frame is the model whose input channels the frame has, preferring the one that fuses most, and of
/// those the one trained nearest the frame's pixel.
/// </summary>
public sealed class ModelCatalog
{
    // Files that exist but could not be used: what UpdatedBy must not let take a working model away.
    private readonly HashSet<string> _unusableFiles;

    private ModelCatalog(IReadOnlyList<ModelEntry> models, IReadOnlyList<string> problems, IEnumerable<string>? unusableFiles = null)
    {
        Models = models;
        Problems = problems;
        _unusableFiles = new HashSet<string>(unusableFiles ?? [], StringComparer.Ordinal);
    }

    public IReadOnlyList<ModelEntry> Models { get; }

    /// <summary>One line per model file that could not be used, naming the file and what is wrong.</summary>
    public IReadOnlyList<string> Problems { get; }

    public static ModelCatalog Empty { get; } = new([], []);

    /// <summary>Reads every *.onnx in <paramref name="directory"/>; a missing folder gives an empty catalog with a problem saying so.</summary>
    public static ModelCatalog Load(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory))
        {
            return new([], [$"Model folder '{directory}' does not exist."]);
        }

        var models = new List<ModelEntry>();
        var problems = new List<string>();
        var unusable = new List<string>();
        foreach (var path in Directory.EnumerateFiles(directory, "*.onnx").Order(StringComparer.Ordinal))
        {
            try
            {
                models.Add(new ModelEntry(path, OnnxModelReader.Read(path)));
            }
            catch (OnnxModelException e)
            {
                problems.Add(e.Message);
                unusable.Add(path);
            }
        }

        return new(models, problems, unusable);
    }

    /// <summary>A catalog of exactly the given file, or an empty one whose <see cref="Problems"/> say why it cannot be used.</summary>
    public static ModelCatalog OfFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        try
        {
            return new([new ModelEntry(path, OnnxModelReader.Read(path))], []);
        }
        catch (OnnxModelException e)
        {
            return new([], [e.Message], File.Exists(path) ? [path] : []);
        }
    }

    /// <summary>Whether a model setting names a file (it ends in .onnx or exists) rather than a model in a folder.</summary>
    public static bool IsModelFile(string model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        return model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) || File.Exists(model);
    }

    /// <summary>
    /// What a model setting (config's Enhancement:Model, the CLI's --model) asks for: null → every model in
    /// <paramref name="directory"/>, none requested (pick by channels); a file → that file alone, requested by its
    /// network name; anything else → the folder, requested by that name.
    /// </summary>
    public static (ModelCatalog Catalog, string? Requested) ForSetting(string? model, string directory)
    {
        if (model is null)
        {
            return (Load(directory), null);
        }

        if (!IsModelFile(model))
        {
            return (Load(directory), model);
        }

        var file = OfFile(model);
        return (file, file.Models.Count > 0 ? file.Models[0].Name : model);
    }

    /// <summary>
    /// This catalog after the same folder or file was read again as <paramref name="newer"/>: the newer models, plus
    /// each of this catalog's models whose file the newer read found unusable (a half-written or corrupt copy never
    /// takes away a model that works; <paramref name="kept"/> lists them). A model whose file is gone is gone.
    /// </summary>
    public ModelCatalog UpdatedBy(ModelCatalog newer, out IReadOnlyList<ModelEntry> kept)
    {
        ArgumentNullException.ThrowIfNull(newer);
        kept = [.. Models.Where(m => newer._unusableFiles.Contains(m.Path) && !newer.Models.Any(n => n.Path == m.Path))];
        return new([.. newer.Models, .. kept], newer.Problems, newer._unusableFiles);
    }

    /// <summary>
    /// The model to enhance a frame with these channels: of the models whose every input channel is present, the
    /// one with the most inputs (fusion before height-only); of those, given <paramref name="pixelSize"/> (metres; a size
    /// that is not positive and finite, as a file without a scan size may give, counts as not given), the one trained
    /// nearest that pixel, as a ratio (a model that does not say its pixel after every one that does); then by name; null
    /// when none fits.
    /// </summary>
    public ModelEntry? Select(IEnumerable<string> frameChannels, double? pixelSize = null)
    {
        ArgumentNullException.ThrowIfNull(frameChannels);
        var available = frameChannels.ToHashSet(StringComparer.Ordinal);
        return Models
            .Where(m => m.Network.InputChannels.All(available.Contains))
            .OrderByDescending(m => m.Network.InputChannels.Count)
            .ThenBy(m => PixelDistance(m, pixelSize))
            .ThenBy(m => m.Name, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    // How far a model's training pixel is from the frame's, as |ln ratio|: 78 against 156 nm is as far as 156 against 78.
    private static double PixelDistance(ModelEntry model, double? pixelSize) =>
        pixelSize is not { } frame || !double.IsFinite(frame) || frame <= 0 ? 0
        : model.InputPixelSize is { } trained ? Math.Abs(Math.Log(trained / frame))
        : double.PositiveInfinity;

    /// <summary>The model with this name or file name (without .onnx); null when there is none.</summary>
    public ModelEntry? Find(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Models.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.Ordinal))
            ?? Models.FirstOrDefault(m => string.Equals(Path.GetFileNameWithoutExtension(m.Path), name, StringComparison.Ordinal));
    }
}
