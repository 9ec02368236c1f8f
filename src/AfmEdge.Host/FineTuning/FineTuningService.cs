using System.Globalization;
using AfmEdge.Core;
using AfmEdge.Host.Enhancement;
using AfmEdge.Host.Options;
using AfmEdge.Inference;
using AfmEdge.Inference.Network;
using AfmEdge.Inference.Onnx;
using AfmEdge.Inference.Training;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AfmEdge.Host.FineTuning;

/// <summary>What one fine-tuning round did with the model at <see cref="Path"/>.</summary>
public sealed record FineTuningRound(string Model, string Path, FineTuneResult Result, bool Published);

/// <summary>
/// Fine-tunes the enhancer model in use on the device, in the background, from the frames it scans (Noise2Noise:
/// <see cref="NoiseToNoisePairs"/>). Usable frames become training pairs, except every
/// <see cref="FineTuningOptions.HoldBackEvery"/>-th, which is held back and never trained on. When enough training pairs
/// are in (and the last round is long enough ago) a round trains a copy of the model on one thread of the lowest
/// priority, pausing between steps (<see cref="FineTuningOptions.DutyCycle"/>), and scores the held-back pairs before and
/// after. Only when their loss falls by <see cref="FineTuningOptions.MinImprovement"/> is the new model written over the
/// model's file (atomically: written beside, then renamed; the previous file kept as <c>.previous</c>), where
/// <see cref="Enhancement.ModelFolderWatcher"/> picks it up for the next frames. Otherwise, or if anything fails, the
/// model stays as it was and the log says why.
/// </summary>
public sealed partial class FineTuningService(
    FineTuningFeed feed, IOptions<AfmEdgeOptions> options, TimeProvider time, ILogger<FineTuningService> logger) : BackgroundService
{
    /// <summary>The suffix of the copy of a model file kept when a fine-tuned model replaces it (not *.onnx: never loaded).</summary>
    public const string PreviousSuffix = ".previous";

    private readonly List<TrainingExample> _training = [];
    private readonly List<TrainingExample> _heldBack = [];
    private readonly HashSet<PairProblem> _problemsReported = [];
    private readonly List<FineTuningRound> _rounds = [];
    private long _usable;
    private long _skipped;
    private long? _lastRoundEnded;

    /// <summary>Frames that gave a pair (training or held back).</summary>
    public long FramesUsed => Interlocked.Read(ref _usable);

    /// <summary>Frames that gave no pair (the reason is logged).</summary>
    public long FramesSkipped => Interlocked.Read(ref _skipped);

    /// <summary>Rounds finished so far, published or not.</summary>
    public IReadOnlyList<FineTuningRound> Rounds
    {
        get
        {
            lock (_rounds)
            {
                return [.. _rounds];
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.FineTuning.Enabled)
        {
            return;
        }

        await Task.Yield();
        Log.Started(logger, settings.FineTuning.FramesPerRound, settings.FineTuning.HoldBackEvery, settings.FineTuning.Steps);
        try
        {
            await foreach (var frame in feed.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                Collect(frame, settings.FineTuning);
                if (DueForRound(settings.FineTuning))
                {
                    await RoundAsync(frame, settings, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host stopping; a round in progress was abandoned and nothing of it applied.
        }
    }

    private void Collect(Frame frame, FineTuningOptions settings)
    {
        PairOutcome outcome;
        try
        {
            outcome = NoiseToNoisePairs.Create(frame, frame.Id.Sequence, settings.Patch, minConfidence: settings.MinRegistrationConfidence);
        }
        catch (ArgumentException e)
        {
            outcome = new PairOutcome(null, PairProblem.Unusable, $"frame {frame.Id}: {e.Message}", null);
        }

        if (outcome.Pair is not { } pair)
        {
            Interlocked.Increment(ref _skipped);
            // The first frame with each kind of problem is a warning; the same problem again only a debug line.
            if (_problemsReported.Add(outcome.Problem))
            {
                Log.FrameSkipped(logger, outcome.Problem, outcome.Reason);
            }
            else
            {
                Log.FrameSkippedAgain(logger, outcome.Problem, outcome.Reason);
            }

            return;
        }

        var heldBack = Interlocked.Increment(ref _usable) % settings.HoldBackEvery == 1;
        var pool = heldBack ? _heldBack : _training;
        pool.Add(pair);
        if (heldBack && _heldBack.Count > settings.MaxHeldBack)
        {
            _heldBack.RemoveAt(0);
        }

        Log.PairCollected(logger, frame.Id.ToString(), heldBack ? "held back" : "training", pair.Width, pair.Height, outcome.Shift?.ToString() ?? string.Empty, _training.Count, _heldBack.Count);
    }

    private bool DueForRound(FineTuningOptions settings) =>
        _training.Count >= settings.FramesPerRound
        && _heldBack.Count > 0
        && (_lastRoundEnded is not { } last || time.GetElapsedTime(last) >= TimeSpan.FromSeconds(settings.MinIntervalSeconds));

    private async Task RoundAsync(Frame frame, AfmEdgeOptions settings, CancellationToken stoppingToken)
    {
        var tuning = settings.FineTuning;
        var training = _training.ToArray();
        var heldBack = _heldBack.ToArray();
        // Training pairs are used by one round; the next round waits for new frames. Held-back pairs stay.
        _training.Clear();
        try
        {
            var model = CurrentModel(frame, settings.Enhancement);
            if (model is null)
            {
                return;
            }

            if (!tuning.Models.Contains(model.Name, StringComparer.Ordinal))
            {
                Log.ModelNotListed(logger, model.Name, string.Join(", ", tuning.Models));
                return;
            }

            // Pairs carry every trace channel and every retrace; a model needing a channel a pair lacks cannot use that pair.
            var fitting = training.Where(p => Fits(model.Network, p)).ToArray();
            var fittingHeldBack = heldBack.Where(p => Fits(model.Network, p)).ToArray();
            if (fitting.Length == 0 || fittingHeldBack.Length == 0)
            {
                Log.NoFittingPairs(logger, model.Name, string.Join(", ", model.Network.InputChannels), string.Join(", ", model.Network.OutputChannels), training.Length, heldBack.Length);
                return;
            }

            (training, heldBack) = (fitting, fittingHeldBack);
            Log.RoundStarting(logger, model.Name, model.Path, training.Length, heldBack.Length, tuning.Steps);
            var started = time.GetTimestamp();
            var result = await TrainInBackgroundAsync(model.Network, training, heldBack, tuning, stoppingToken).ConfigureAwait(false);
            var seconds = time.GetElapsedTime(started).TotalSeconds;
            var published = false;
            if (result.Network is { } tuned)
            {
                published = Publish(model, tuned, result);
            }
            else
            {
                Log.RoundRefused(logger, model.Name, result.HeldBackLossBefore, result.HeldBackLossAfter, 100 * result.RelativeImprovement, 100 * tuning.MinImprovement, seconds);
            }

            lock (_rounds)
            {
                _rounds.Add(new FineTuningRound(model.Name, model.Path, result, published));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever went wrong, the instrument goes on with the model it has: a failed round changes nothing.
            Log.RoundFailed(logger, e.GetType().Name, e.Message);
        }
        finally
        {
            _lastRoundEnded = time.GetTimestamp();
        }
    }

    private static bool Fits(EnhancerNetwork network, TrainingExample pair) =>
        network.InputChannels.All(pair.LowRes.ContainsKey) && network.OutputChannels.All(pair.HighRes.ContainsKey);

    /// <summary>The model the enhancer uses for this frame's channels and pixel, read from its file now (a reload since is the base).</summary>
    private ModelEntry? CurrentModel(Frame frame, EnhancementOptions enhancement)
    {
        var (catalog, requested) = ModelCatalog.ForSetting(enhancement.Model == "auto" ? null : enhancement.Model, enhancement.ResolvedModelDirectory);
        var kind = FrameKind.Of(frame);
        var model = requested is null ? catalog.Select(kind.Channels, kind.PixelSize) : catalog.Find(requested);
        if (model is null)
        {
            Log.NoModel(logger, string.Join(", ", kind.Channels), enhancement.Model, string.Join(" ", catalog.Problems));
        }

        return model;
    }

    /// <summary>
    /// Runs the round on its own thread of the lowest priority (one core at most), pausing after each step so it computes
    /// for at most <see cref="FineTuningOptions.DutyCycle"/> of the time.
    /// </summary>
    private Task<FineTuneResult> TrainInBackgroundAsync(
        EnhancerNetwork network, TrainingExample[] training, TrainingExample[] heldBack, FineTuningOptions tuning, CancellationToken stoppingToken)
    {
        var done = new TaskCompletionSource<FineTuneResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var rest = (1 / tuning.DutyCycle) - 1;
        var thread = new Thread(() =>
        {
            try
            {
                var stepStarted = time.GetTimestamp();
                void Pace(int step)
                {
                    var pause = time.GetElapsedTime(stepStarted) * rest;
                    if (pause > TimeSpan.Zero)
                    {
                        Task.Delay(pause, time, stoppingToken).GetAwaiter().GetResult();
                    }

                    stepStarted = time.GetTimestamp();
                }

                done.SetResult(NoiseToNoiseFineTuner.Run(network, training, heldBack, tuning.ToFineTuneOptions(), Pace, stoppingToken));
            }
            catch (Exception e)
            {
                // Handed to the awaiting service, which logs it; the model in use is untouched.
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "afmedge-finetune",
            // Honoured where the OS lets a process lower a thread's priority; the single thread and the pauses hold everywhere.
            Priority = ThreadPriority.Lowest,
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>Writes the fine-tuned model over the model's file; false (logged) when it could not, the file then unchanged.</summary>
    private bool Publish(ModelEntry model, EnhancerNetwork tuned, FineTuneResult result)
    {
        var metadata = new Dictionary<string, string>(tuned.Metadata, StringComparer.Ordinal)
        {
            [NoiseToNoiseFineTuner.MetadataPrefix + "fromFile"] = model.Path,
            [NoiseToNoiseFineTuner.MetadataPrefix + "at"] = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
        };
        try
        {
            if (File.Exists(model.Path))
            {
                File.Copy(model.Path, model.Path + PreviousSuffix, overwrite: true);
            }

            // Written beside and renamed over the file: the watcher never sees a half-written model.
            OnnxModelWriter.Write(tuned.Copy(metadata), model.Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.PublishFailed(logger, model.Name, model.Path, e.Message);
            return false;
        }

        Log.Published(logger, model.Name, model.Path, result.HeldBackLossBefore, result.HeldBackLossAfter, 100 * result.RelativeImprovement, result.Steps, result.TrainingPairs, result.HeldBackPairs);
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Fine-tuning on: a round every {FramesPerRound} training frames, every {HoldBackEvery}th usable frame held back, {Steps} steps per round")]
        public static partial void Started(ILogger logger, int framesPerRound, int holdBackEvery, int steps);

        [LoggerMessage(2, LogLevel.Warning, "Fine-tuning skips a frame ({Problem}): {Reason}")]
        public static partial void FrameSkipped(ILogger logger, PairProblem problem, string reason);

        [LoggerMessage(3, LogLevel.Debug, "Fine-tuning skips a frame ({Problem}): {Reason}")]
        public static partial void FrameSkippedAgain(ILogger logger, PairProblem problem, string reason);

        [LoggerMessage(4, LogLevel.Debug, "Fine-tuning: frame {FrameId} {Pool} ({Width}×{Height} low-resolution pair, retrace {Shift}); {Training} training, {HeldBack} held-back pairs")]
        public static partial void PairCollected(ILogger logger, string frameId, string pool, int width, int height, string shift, int training, int heldBack);

        [LoggerMessage(5, LogLevel.Information, "Fine-tuning model '{Model}' ({Path}): {Training} training pairs, {HeldBack} held back, {Steps} steps")]
        public static partial void RoundStarting(ILogger logger, string model, string path, int training, int heldBack, int steps);

        [LoggerMessage(6, LogLevel.Information, "Fine-tuned model '{Model}' written to {Path}: held-back loss {Before:G4} → {After:G4} ({Gain:F1} % better) after {Steps} steps on {Training} pairs, {HeldBack} held back")]
        public static partial void Published(ILogger logger, string model, string path, double before, double after, double gain, int steps, int training, int heldBack);

        [LoggerMessage(7, LogLevel.Information, "Fine-tuning kept model '{Model}' as it was: held-back loss {Before:G4} → {After:G4} ({Gain:F1} %, needs {Needed:F1} %) in {Seconds:F1} s")]
        public static partial void RoundRefused(ILogger logger, string model, double before, double after, double gain, double needed, double seconds);

        [LoggerMessage(8, LogLevel.Error, "Fine-tuning round failed ({Error}), the model in use is unchanged: {Reason}")]
        public static partial void RoundFailed(ILogger logger, string error, string reason);

        [LoggerMessage(9, LogLevel.Error, "Fine-tuned model '{Model}' could not be written to {Path} ({Reason}); the model in use is unchanged")]
        public static partial void PublishFailed(ILogger logger, string model, string path, string reason);

        [LoggerMessage(10, LogLevel.Warning, "Fine-tuning: no model for channels [{Channels}] (Enhancement:Model = {Requested}) {Problems}; round skipped")]
        public static partial void NoModel(ILogger logger, string channels, string requested, string problems);

        [LoggerMessage(11, LogLevel.Warning, "Fine-tuning: model '{Model}' needs [{Inputs}] in and retrace [{Outputs}] as targets, which none of the {Training} training or {HeldBack} held-back pairs has; round skipped")]
        public static partial void NoFittingPairs(ILogger logger, string model, string inputs, string outputs, int training, int heldBack);

        [LoggerMessage(12, LogLevel.Information, "Fine-tuning: the enhancer uses model '{Model}', which FineTuning:Models ({Listed}) does not list; round skipped")]
        public static partial void ModelNotListed(ILogger logger, string model, string listed);
    }
}
