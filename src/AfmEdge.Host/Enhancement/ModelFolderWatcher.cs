using AfmEdge.Host.Options;
using AfmEdge.Inference;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AfmEdge.Host.Enhancement;

/// <summary>
/// Watches the model folder (or the one configured .onnx file) and hands the model enhancer a freshly read catalog
/// once the files have been quiet for <see cref="QuietPeriod"/>, so a model copied in, replaced or fine-tuned on the
/// device is used from the next frame. A copy still being written fails to load, keeps the previous model, and is
/// read again when its last write lands.
/// </summary>
public sealed partial class ModelFolderWatcher(
    IFrameEnhancer enhancer, IOptions<AfmEdgeOptions> options, TimeProvider time, ILogger<ModelFolderWatcher> logger) : BackgroundService
{
    /// <summary>How long the files must stay unchanged before they are read: one write of a model is many events.</summary>
    public static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(500);

    private readonly SemaphoreSlim _changed = new(0);
    private readonly TaskCompletionSource _watching = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Completes once the folder is watched, or once the watcher has decided not to watch (no model engine, watching
    /// off, no folder). The host starts background services without waiting for them to get this far, so a file
    /// changed before then is only seen at the next change; a caller that must not miss one awaits this first.
    /// </summary>
    public Task Watching => _watching.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.Enhancement;
        if (enhancer is not ModelSelectingEnhancer models || !settings.WatchModels)
        {
            _watching.TrySetResult();
            return;
        }

        var setting = settings.Model == "auto" ? null : settings.Model;
        var (folder, filter) = setting is not null && ModelCatalog.IsModelFile(setting)
            ? (Path.GetDirectoryName(Path.GetFullPath(setting))!, Path.GetFileName(setting))
            : (settings.ResolvedModelDirectory, "*.onnx");
        if (!Directory.Exists(folder))
        {
            Log.NotWatching(logger, folder);
            _watching.TrySetResult();
            return;
        }

        using var watcher = new FileSystemWatcher(folder, filter)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        watcher.Changed += OnChanged;
        watcher.Created += OnChanged;
        watcher.Deleted += OnChanged;
        watcher.Renamed += OnChanged;
        watcher.EnableRaisingEvents = true;
        Log.Watching(logger, folder, filter);
        _watching.TrySetResult();

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _changed.WaitAsync(stoppingToken).ConfigureAwait(false);

                // Wait until a quiet period passes with no further event.
                do
                {
                    while (_changed.CurrentCount > 0)
                    {
                        await _changed.WaitAsync(stoppingToken).ConfigureAwait(false);
                    }

                    await Task.Delay(QuietPeriod, time, stoppingToken).ConfigureAwait(false);
                }
                while (_changed.CurrentCount > 0);

                var (catalog, _) = ModelCatalog.ForSetting(setting, settings.ResolvedModelDirectory);
                Log.Reloading(logger, folder, catalog.Models.Count, catalog.Problems.Count);
                models.Reload(catalog);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host stopping.
        }
    }

    public override void Dispose()
    {
        _changed.Dispose();
        base.Dispose();
    }

    private void OnChanged(object sender, FileSystemEventArgs e) => _changed.Release();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Watching {Folder} ({Filter}) for new or changed enhancer models")]
        public static partial void Watching(ILogger logger, string folder, string filter);

        [LoggerMessage(2, LogLevel.Warning, "Model folder {Folder} does not exist; models will not be reloaded while running")]
        public static partial void NotWatching(ILogger logger, string folder);

        [LoggerMessage(3, LogLevel.Information, "Model files in {Folder} changed: {Models} usable, {Problems} unusable; the next frame uses them")]
        public static partial void Reloading(ILogger logger, string folder, int models, int problems);
    }
}
