using AfmEdge.Core;
using AfmEdge.Inference;
using AfmEdge.Inference.Network;
using AfmEdge.Inference.Onnx;
using Microsoft.Extensions.Logging;

namespace AfmEdge.Host.Enhancement;

/// <summary>
/// The host's enhancer: for each set of channels and pixel size a frame brings it picks a model (the configured one, or
/// the catalog's best fit: <see cref="ModelCatalog.Select"/>), builds its engine once, and reuses it. When no model fits,
/// or one fails to load or to run on the frame, it says so in the log and enhances with bicubic — a bad model never stops
/// the pipeline.
/// Models can be replaced while it runs (<see cref="Reload"/>, e.g. from <see cref="ModelFolderWatcher"/>): the new
/// catalog is taken between two frames, and a model that fails to load or to build keeps the previous one in use.
/// </summary>
public sealed partial class ModelSelectingEnhancer : IFrameEnhancer, IDisposable
{
    private readonly string? _requestedModel;
    private readonly Func<ModelEntry, CnnFrameEnhancer> _create;
    private readonly ILogger _logger;
    private readonly BicubicUpsampler _bicubic = new();
    private readonly Dictionary<FrameKind, Choice> _byKind = [];
    private ModelCatalog _catalog;
    private ModelCatalog? _pending;

    /// <param name="requestedModel">A model name from the catalog, or null to pick by channels.</param>
    /// <param name="create">Builds the enhancer (engine + tiling) for a model; may throw <see cref="OnnxModelException"/>.</param>
    public ModelSelectingEnhancer(ModelCatalog catalog, string? requestedModel, Func<ModelEntry, CnnFrameEnhancer> create, ILogger<ModelSelectingEnhancer> logger)
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

    /// <summary>
    /// Where the model enhancers and the bicubic fallback take their result arrays from (arrays of frames the pipeline has
    /// finished with); null allocates new ones. Set before the first frame.
    /// </summary>
    public ChannelBufferPool? OutputBuffers
    {
        get => _bicubic.OutputBuffers;
        init => _bicubic.OutputBuffers = value;
    }

    /// <summary>
    /// The steps the host corrects every frame by before enhancing it (<c>ProcessingChain.Steps</c>), or null when not known.
    /// A chosen model whose metadata records other training corrections gets a warning in the log: it enhances frames
    /// unlike its training scans (e.g. leveled otherwise, which moves its heights).
    /// </summary>
    public string? ProcessingSteps { get; init; }

    /// <summary>Reloads taken so far (each between two frames).</summary>
    public int ReloadsApplied { get; private set; }

    /// <summary>
    /// Offers the catalog read again from the same folder or file. Any thread may call it; the frame being enhanced
    /// finishes with the models it started with, and the next frame uses the new catalog.
    /// </summary>
    public void Reload(ModelCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        Volatile.Write(ref _pending, catalog);
    }

    public Frame Enhance(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (Interlocked.Exchange(ref _pending, null) is { } pending)
        {
            Apply(pending);
        }

        var key = FrameKind.Of(frame);
        if (!_byKind.TryGetValue(key, out var choice))
        {
            choice = Choose(key) ?? new Choice(_bicubic, null);
            _byKind[key] = choice;
        }

        if (ReferenceEquals(choice.Enhancer, _bicubic))
        {
            return _bicubic.Enhance(frame);
        }

        try
        {
            return choice.Enhancer.Enhance(frame);
        }
        catch (ArgumentException e)
        {
            // The model does not fit this frame after all (e.g. a channel of another size): bicubic from now on for frames like it.
            Log.ModelFailedOnFrame(_logger, choice.Enhancer.Name, frame.Id.ToString(), e.Message);
            Release(choice);
            _byKind[key] = new Choice(_bicubic, null);
            return _bicubic.Enhance(frame);
        }
    }

    public void Dispose()
    {
        foreach (var choice in _byKind.Values)
        {
            Release(choice);
        }

        _byKind.Clear();
    }

    /// <summary>Takes a reloaded catalog: each kind of frame seen so far gets the model the new catalog picks, unless it cannot be built.</summary>
    private void Apply(ModelCatalog reloaded)
    {
        _catalog = _catalog.UpdatedBy(reloaded, out var kept);
        ReloadsApplied++;
        foreach (var problem in reloaded.Problems)
        {
            Log.ModelUnusable(_logger, problem);
        }

        foreach (var model in kept)
        {
            Log.KeptPreviousModel(_logger, model.Name, model.Path);
        }

        foreach (var (key, current) in _byKind.ToArray())
        {
            var wanted = Pick(key);
            if (wanted is null || ReferenceEquals(wanted, current.Model))
            {
                // Nothing fits any more, or the same (kept) model: the enhancer in use stays.
                continue;
            }

            if (Build(wanted, key) is { } replacement)
            {
                Release(current);
                _byKind[key] = replacement;
                Log.ModelReplaced(_logger, key.ToString(), current.Enhancer.Name, replacement.Enhancer.Name);
            }
            else
            {
                Log.KeptPreviousEnhancer(_logger, key.ToString(), current.Enhancer.Name);
            }
        }
    }

    private ModelEntry? Pick(FrameKind kind) => _requestedModel is null ? _catalog.Select(kind.Channels, kind.PixelSize) : _catalog.Find(_requestedModel);

    /// <summary>The enhancer for these frames from the current catalog; null (with the reason logged) when none can be used.</summary>
    private Choice? Choose(FrameKind kind)
    {
        var model = Pick(kind);
        if (model is null)
        {
            Log.NoModel(_logger, kind.ToString(), _requestedModel ?? "auto");
            return null;
        }

        return Build(model, kind);
    }

    /// <summary>An enhancer running <paramref name="model"/> on these frames; null (with the reason logged) when it cannot be used.</summary>
    private Choice? Build(ModelEntry model, FrameKind kind)
    {
        var key = kind.ToString();
        var missing = model.Network.InputChannels.Where(c => !kind.Channels.Contains(c, StringComparer.Ordinal)).ToArray();
        if (missing.Length > 0)
        {
            Log.ModelMissingChannels(_logger, model.Name, string.Join(", ", missing), key);
            return null;
        }

        try
        {
            var enhancer = _create(model);
            enhancer.OutputBuffers = OutputBuffers;

            Log.ModelChosen(_logger, model.Name, model.Path, key, enhancer.Name);
            if (ProcessingSteps is { } steps && TrainingAcquisition.Of(model.Network) is { } trainedOn && !string.Equals(trainedOn, steps, StringComparison.Ordinal))
            {
                Log.TrainedOnOtherCorrections(_logger, model.Name, trainedOn.Length == 0 ? "nothing (raw scans)" : trainedOn, steps.Length == 0 ? "nothing" : steps);
            }

            return new Choice(enhancer, model);
        }
        catch (OnnxModelException e)
        {
            Log.ModelUnusable(_logger, e.Message);
            return null;
        }
    }

    private void Release(Choice choice)
    {
        if (!ReferenceEquals(choice.Enhancer, _bicubic) && choice.Enhancer is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    /// <summary>The enhancer used for one kind of frame and the model it runs (null for bicubic).</summary>
    private sealed record Choice(IFrameEnhancer Enhancer, ModelEntry? Model);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Enhancing frames [{Frames}] with model '{Model}' ({Path}) on {Enhancer}")]
        public static partial void ModelChosen(ILogger logger, string model, string path, string frames, string enhancer);

        [LoggerMessage(2, LogLevel.Warning, "No enhancer model for frames [{Frames}] (Enhancement:Model = {Requested}); using bicubic ×2")]
        public static partial void NoModel(ILogger logger, string frames, string requested);

        [LoggerMessage(3, LogLevel.Error, "Model '{Model}' needs channel(s) {Missing} that frames [{Frames}] lack; using bicubic ×2")]
        public static partial void ModelMissingChannels(ILogger logger, string model, string missing, string frames);

        [LoggerMessage(4, LogLevel.Error, "{Problem} Using the previous model, or bicubic ×2.")]
        public static partial void ModelUnusable(ILogger logger, string problem);

        [LoggerMessage(5, LogLevel.Error, "Enhancer {Enhancer} failed on frame {FrameId}: {Reason}; using bicubic ×2 for frames like it")]
        public static partial void ModelFailedOnFrame(ILogger logger, string enhancer, string frameId, string reason);

        [LoggerMessage(6, LogLevel.Warning, "Model '{Model}' ({Path}) could not be read again; keeping the copy loaded before")]
        public static partial void KeptPreviousModel(ILogger logger, string model, string path);

        [LoggerMessage(7, LogLevel.Information, "Frames [{Frames}]: model reloaded, {Previous} replaced by {Current}")]
        public static partial void ModelReplaced(ILogger logger, string frames, string previous, string current);

        [LoggerMessage(8, LogLevel.Warning, "Frames [{Frames}]: the reloaded model cannot be used; keeping {Enhancer}")]
        public static partial void KeptPreviousEnhancer(ILogger logger, string frames, string enhancer);

        [LoggerMessage(9, LogLevel.Warning, "Model '{Model}' was trained on scans corrected by {TrainedOn}; this host corrects them by {Steps} (Processing:Steps) before enhancing, so it enhances frames unlike its training scans")]
        public static partial void TrainedOnOtherCorrections(ILogger logger, string model, string trainedOn, string steps);
    }
}
