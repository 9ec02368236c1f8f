using AfmEdge.Core;
using AfmEdge.Inference;
using AfmEdge.Inference.Onnx;
using Microsoft.Extensions.Logging;

namespace AfmEdge.Host.Enhancement;

/// <summary>
/// The host's enhancer: for each set of channels a frame brings it picks a model (the configured one, or the
/// catalog's best fit), builds its engine once, and reuses it. When no model fits, or one fails to load or to
/// run on the frame, it says so in the log and enhances with the last model that worked for those channels,
/// or with bicubic when there is none — a bad model never stops the pipeline.
/// </summary>
public sealed partial class ModelSelectingEnhancer : IFrameEnhancer, IDisposable
{
    private readonly ModelCatalog _catalog;
    private readonly string? _requestedModel;
    private readonly Func<ModelEntry, IFrameEnhancer> _create;
    private readonly ILogger _logger;
    private readonly BicubicUpsampler _bicubic = new();
    private readonly Dictionary<string, IFrameEnhancer> _byChannels = new(StringComparer.Ordinal);
    private readonly List<IFrameEnhancer> _created = [];

    /// <param name="requestedModel">A model name from the catalog, or null to pick by channels.</param>
    /// <param name="create">Builds the enhancer (engine + tiling) for a model; may throw <see cref="OnnxModelException"/>.</param>
    public ModelSelectingEnhancer(ModelCatalog catalog, string? requestedModel, Func<ModelEntry, IFrameEnhancer> create, ILogger<ModelSelectingEnhancer> logger)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(logger);
        _catalog = catalog;
        _requestedModel = requestedModel;
        _create = create;
        _logger = logger;
        foreach (var problem in catalog.Problems)
        {
            Log.ModelUnusable(_logger, problem);
        }
    }

    public string Name => "auto";

    public int Scale => 2;

    public Frame Enhance(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var channels = frame.Channels.Where(c => c.Direction == ScanDirection.Trace).Select(c => c.Name).Order(StringComparer.Ordinal).ToArray();
        var key = string.Join(',', channels);
        if (!_byChannels.TryGetValue(key, out var enhancer))
        {
            enhancer = Choose(channels, key);
            _byChannels[key] = enhancer;
        }

        if (ReferenceEquals(enhancer, _bicubic))
        {
            return _bicubic.Enhance(frame);
        }

        try
        {
            return enhancer.Enhance(frame);
        }
        catch (ArgumentException e)
        {
            // The model does not fit this frame after all (e.g. a channel of another size): bicubic from now on for these channels.
            Log.ModelFailedOnFrame(_logger, enhancer.Name, frame.Id.ToString(), e.Message);
            _byChannels[key] = _bicubic;
            return _bicubic.Enhance(frame);
        }
    }

    public void Dispose()
    {
        foreach (var enhancer in _created.OfType<IDisposable>())
        {
            enhancer.Dispose();
        }

        _created.Clear();
        _byChannels.Clear();
    }

    private IFrameEnhancer Choose(string[] channels, string key)
    {
        var model = _requestedModel is null ? _catalog.Select(channels) : _catalog.Find(_requestedModel);
        if (model is null)
        {
            Log.NoModel(_logger, key, _requestedModel ?? "auto");
            return _bicubic;
        }

        var missing = model.Network.InputChannels.Where(c => !channels.Contains(c, StringComparer.Ordinal)).ToArray();
        if (missing.Length > 0)
        {
            Log.ModelMissingChannels(_logger, model.Name, string.Join(", ", missing), key);
            return _bicubic;
        }

        try
        {
            var enhancer = _create(model);
            _created.Add(enhancer);
            Log.ModelChosen(_logger, model.Name, model.Path, key, enhancer.Name);
            return enhancer;
        }
        catch (OnnxModelException e)
        {
            Log.ModelUnusable(_logger, e.Message);
            return _bicubic;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Enhancing channels [{Channels}] with model '{Model}' ({Path}) on {Enhancer}")]
        public static partial void ModelChosen(ILogger logger, string model, string path, string channels, string enhancer);

        [LoggerMessage(2, LogLevel.Warning, "No enhancer model for channels [{Channels}] (Enhancement:Model = {Requested}); using bicubic ×2")]
        public static partial void NoModel(ILogger logger, string channels, string requested);

        [LoggerMessage(3, LogLevel.Error, "Model '{Model}' needs channel(s) {Missing} that frames with [{Channels}] lack; using bicubic ×2")]
        public static partial void ModelMissingChannels(ILogger logger, string model, string missing, string channels);

        [LoggerMessage(4, LogLevel.Error, "{Problem} Using the previous model, or bicubic ×2.")]
        public static partial void ModelUnusable(ILogger logger, string problem);

        [LoggerMessage(5, LogLevel.Error, "Enhancer {Enhancer} failed on frame {FrameId}: {Reason}; using bicubic ×2 for these channels")]
        public static partial void ModelFailedOnFrame(ILogger logger, string enhancer, string frameId, string reason);
    }
}
