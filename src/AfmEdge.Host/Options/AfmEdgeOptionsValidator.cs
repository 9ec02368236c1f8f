using AfmEdge.Control.Board;
using AfmEdge.Host.Sources;
using AfmEdge.Kernels;
using AfmEdge.Processing;
using Microsoft.Extensions.Options;

namespace AfmEdge.Host.Options;

/// <summary>
/// Checks the whole configuration at start (ValidateOnStart) and for the CLI before anything starts.
/// Every message names the config key and its value, so a typo is found without reading code.
/// </summary>
public sealed class AfmEdgeOptionsValidator(BoardHardware? hardware = null) : IValidateOptions<AfmEdgeOptions>
{
    public ValidateOptionsResult Validate(string? name, AfmEdgeOptions options)
    {
        var errors = Errors(options, hardware?.DeviceExists);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <param name="options">The options.</param>
    /// <param name="deviceExists">Whether a board's device node exists (default: the file system).</param>
    public static IReadOnlyList<string> Errors(AfmEdgeOptions options, Func<string, bool>? deviceExists = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string root = AfmEdgeOptions.SectionName;
        var errors = new List<string>();
        var source = options.Source;
        if (!Enum.IsDefined(source.Kind))
        {
            errors.Add($"{root}:Source:Kind = {source.Kind}: must be VirtualMicroscope, TestPattern or Board.");
        }

        if (source.Frames < 0)
        {
            errors.Add($"{root}:Source:Frames = {source.Frames}: must be 0 (scan until stopped) or a positive count.");
        }

        if (source.RepeatAfter < 0)
        {
            errors.Add($"{root}:Source:RepeatAfter = {source.RepeatAfter}: must be 0 (never repeat) or a positive count of frames.");
        }
        else if (source.RepeatAfter > 0 && source.Kind == SourceKind.Board)
        {
            errors.Add($"{root}:Source:RepeatAfter = {source.RepeatAfter}: a real instrument's frames are never replayed; use it with VirtualMicroscope or TestPattern.");
        }

        var (scan, scanErrors) = source.Scan.ToSettings($"{root}:Source:Scan");
        errors.AddRange(scanErrors);
        errors.AddRange(source.TestPattern.Validate().Select(e => $"{root}:{e}"));
        if (scan is not null && source.Kind == SourceKind.VirtualMicroscope)
        {
            errors.AddRange(source.VirtualMicroscope.Errors($"{root}:Source:VirtualMicroscope", scan));
        }

        if (scan is not null && source.Kind == SourceKind.Board)
        {
            errors.AddRange(BoardErrors(source.Board, scan, deviceExists));
        }

        var steps = options.Processing.EffectiveSteps;
        for (var i = 0; i < steps.Count; i++)
        {
            if (!ProcessingChain.TryParseStep(steps[i], out var stepError))
            {
                errors.Add($"{root}:Processing:Steps:{i} = '{steps[i]}': {stepError}");
            }
        }

        if (!ProcessingAccelerator.IsKnown(options.Processing.Accelerator))
        {
            errors.Add($"{root}:Processing:Accelerator = '{options.Processing.Accelerator}': must be one of {string.Join(", ", ProcessingAccelerator.Names)}.");
        }

        errors.AddRange(options.Enhancement.Validate().Select(e => $"{root}:{e}"));

        errors.AddRange(options.Mqtt.Validate().Select(e => $"{root}:{e}"));

        if (options.Pipeline.LineCapacity is < 16 or > 1_000_000)
        {
            errors.Add($"{root}:Pipeline:LineCapacity = {options.Pipeline.LineCapacity}: must be between 16 and 1000000.");
        }

        if (options.Pipeline.AnalyseEvery is < 1 or > 10_000)
        {
            errors.Add($"{root}:Pipeline:AnalyseEvery = {options.Pipeline.AnalyseEvery}: must be between 1 (every frame) and 10000.");
        }

        if (options.Pipeline.AnalysisWorkers is < 1 or > 8)
        {
            errors.Add($"{root}:Pipeline:AnalysisWorkers = {options.Pipeline.AnalysisWorkers}: must be between 1 and 8 (frames analysed at once).");
        }

        if (options.Pipeline.FrameCapacity is < 1 or > 64)
        {
            errors.Add($"{root}:Pipeline:FrameCapacity = {options.Pipeline.FrameCapacity}: must be between 1 and 64.");
        }

        var preview = options.Preview;
        if (string.IsNullOrWhiteSpace(preview.Channel))
        {
            errors.Add($"{root}:Preview:Channel is empty: name the channel to render, e.g. Height.");
        }

        if (!(preview.MaxRateHz > 0 && preview.MaxRateHz <= 10))
        {
            errors.Add($"{root}:Preview:MaxRateHz = {preview.MaxRateHz}: must be above 0 and at most 10.");
        }

        if (preview.MaxSide is < 16 or > 1024)
        {
            errors.Add($"{root}:Preview:MaxSide = {preview.MaxSide}: must be between 16 and 1024.");
        }

        var plots = options.Plots;
        if (!(plots.MaxRateHz > 0 && plots.MaxRateHz <= 10))
        {
            errors.Add($"{root}:Plots:MaxRateHz = {plots.MaxRateHz}: must be above 0 and at most 10 (sets of plots a second; each costs tens of milliseconds).");
        }

        if (plots.MaxSide is < PlotsOptions.LeastSide or > 2048)
        {
            errors.Add($"{root}:Plots:MaxSide = {plots.MaxSide}: must be between {PlotsOptions.LeastSide} and 2048 pixels.");
        }

        var fineTuning = options.FineTuning;
        errors.AddRange(fineTuning.Validate().Select(e => $"{root}:{e}"));
        if (fineTuning.Enabled)
        {
            if (options.Enhancement.Engine == "bicubic")
            {
                errors.Add($"{root}:FineTuning:Enabled = true but {root}:Enhancement:Engine = bicubic: there is no model to fine-tune.");
            }

            if (!options.Enhancement.WatchModels)
            {
                errors.Add($"{root}:FineTuning:Enabled = true needs {root}:Enhancement:WatchModels = true, or a fine-tuned model would never be used.");
            }

            // Noise2Noise pairs a frame's trace with its retrace as independent noisy copies; a merged trace holds half the retrace's noise.
            if (steps.FirstOrDefault(IsMergeRetrace) is { } merge)
            {
                errors.Add($"{root}:FineTuning:Enabled = true but {root}:Processing:Steps has '{merge}': a trace merged with its retrace shares its noise, and fine-tuning pairs the two as independent copies; leave merge-retrace out of the steps to fine-tune.");
            }
        }

        return errors;
    }

    private static bool IsMergeRetrace(string step) =>
        ProcessingChain.TryParseStep(step, out _) && ProcessingChain.Parse([step]).Operations[0] is TraceRetraceMerge;

    // The board is checked whole (wiring, device nodes, the scan against its calibration) before the host starts, so nothing moves on a bad one.
    private static IEnumerable<string> BoardErrors(BoardSourceOptions board, Core.ScanSettings scan, Func<string, bool>? deviceExists)
    {
        const string key = AfmEdgeOptions.SectionName + ":Source:Board:ConfigFile";
        if (string.IsNullOrWhiteSpace(board.ConfigFile))
        {
            return [$"{key} is empty: Source:Kind Board needs the file with the board's \"Board\" section."];
        }

        try
        {
            var options = BoardConfiguration.Load(board.ConfigFile, deviceExists);
            return options.ToScanEngineOptions(scan).Validate().Select(e => $"{AfmEdgeOptions.SectionName}:Source:Scan on the board of {board.ConfigFile}: {e}");
        }
        catch (BoardConfigurationException e)
        {
            return e.Errors.Select(m => $"{key} = '{board.ConfigFile}': {m}");
        }
    }
}
