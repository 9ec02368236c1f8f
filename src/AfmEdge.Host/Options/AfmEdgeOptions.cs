using AfmEdge.Messaging;

namespace AfmEdge.Host.Options;

/// <summary>The whole device configuration: the "AfmEdge" section of the config file.</summary>
public sealed class AfmEdgeOptions
{
    public const string SectionName = "AfmEdge";

    public SourceOptions Source { get; set; } = new();

    public ProcessingOptions Processing { get; set; } = new();

    public EnhancementOptions Enhancement { get; set; } = new();

    public MqttOptions Mqtt { get; set; } = new();

    public PipelineOptions Pipeline { get; set; } = new();

    public PreviewOptions Preview { get; set; } = new();

    public PlotsOptions Plots { get; set; } = new();

    public FineTuningOptions FineTuning { get; set; } = new();
}

/// <summary>The PNG preview published (retained) for dashboards: which channel, how big, how often.</summary>
public sealed class PreviewOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Trace channel to render, e.g. "Height".</summary>
    public string Channel { get; set; } = "Height";

    /// <summary>At most this many previews per second; frames in between are skipped, never queued.</summary>
    public double MaxRateHz { get; set; } = 1;

    /// <summary>Longest side of the preview image in pixels.</summary>
    public int MaxSide { get; set; } = 256;
}

/// <summary>
/// The analysis plots published (retained) for dashboards on plots/{name}: the label overlay, and per correlated channel
/// its local-correlation map and its scatter plot, of the latest analysed frame.
/// </summary>
public sealed class PlotsOptions
{
    /// <summary>Each plot's PNG is at most this long, as the preview (the MQTT contract).</summary>
    public const int MaxBytes = AfmEdge.Messaging.PreviewRenderer.MaxBytes;

    /// <summary>The least <see cref="MaxSide"/>: a scatter plot's axes and legend need about this much.</summary>
    public const int LeastSide = 120;

    public bool Enabled { get; set; } = true;

    /// <summary>At most this many sets of plots per second; analyses in between are skipped unrendered, never queued.</summary>
    public double MaxRateHz { get; set; } = 0.5;

    /// <summary>
    /// Longest side of each plot in pixels (a plot over <see cref="MaxBytes"/> is made smaller still). At 256 each plot of
    /// a 512² frame fits at the first try; a 512² local-correlation map is about 220 KB, so at 512 it is encoded twice.
    /// </summary>
    public int MaxSide { get; set; } = 256;
}

/// <summary>The processing chain as ordered step names, e.g. ["level:plane"], and where its grid steps run.</summary>
public sealed class ProcessingOptions
{
    /// <summary>
    /// "cpu" (SIMD code, default), "auto" (a CUDA or OpenCL GPU if ILGPU finds one, else cpu), "cuda" or "opencl" (that
    /// GPU, or the host does not start), "ilgpu-cpu" (ILGPU's CPU accelerator: checks the kernels without a GPU; slow).
    /// Steps without a kernel (registration, tip steps) always run on the CPU.
    /// </summary>
    public string Accelerator { get; set; } = AfmEdge.Kernels.ProcessingAccelerator.Cpu;

    /// <summary>
    /// Trace and retrace to their midpoint first (the default source records both; piezo hysteresis and signal lag move
    /// them apart and off the true position), the conductive probes' channels onto probe 1's, each trace merged with its
    /// retrace (half the noise variance), then a plane on the topography only: a plane removes a field's offset, which
    /// for Current, Potential or Adhesion is the value measured. The plane is fitted to the substrate alone, the
    /// chromosomes masked (level-masked): it puts the substrate at zero height, as in the scans the bundled enhancer was
    /// trained on, where a plane through every pixel puts it below zero by the chromosomes' share, and the enhancer, whose
    /// input statistics are stored, reads that as lower chromosomes (src/AfmEdge.Analysis/Accuracy.md). A source without
    /// retrace channels (TestPattern, or IncludeRetrace false) passes the retrace steps unchanged, and one without the
    /// probes' channels the probe step.
    /// </summary>
    public static IReadOnlyList<string> DefaultSteps { get; } = ["register:midpoint", "register:probes", "merge-retrace", "level-masked:plane@Height"];

    /// <summary>
    /// Null when the config does not say, which means <see cref="DefaultSteps"/>. .NET configuration cannot tell an
    /// empty JSON array from a missing key, so [] also means the default. (A pre-filled default list would be
    /// appended to, not replaced, by the configuration binder; hence the null.)
    /// </summary>
    public IList<string>? Steps { get; set; }

    public IReadOnlyList<string> EffectiveSteps => Steps is null ? DefaultSteps : [.. Steps];
}

/// <summary>How frames are super-resolved: which engine runs which model, in tiles of what size.</summary>
public sealed class EnhancementOptions
{
    /// <summary>The engine that runs the network with ILGPU kernels on <see cref="Accelerator"/>.</summary>
    public const string Ilgpu = "ilgpu";

    public static IReadOnlyList<string> Engines { get; } = [.. Inference.EngineFactory.EngineNames, Ilgpu, "bicubic"];

    /// <summary>
    /// "native" (SIMD C#, Winograd), "ort" (ONNX Runtime), "ilgpu" (ILGPU kernels on <see cref="Accelerator"/>: a GPU board)
    /// or "bicubic" (no model).
    /// </summary>
    public string Engine { get; set; } = "native";

    /// <summary>
    /// Where Engine "ilgpu" runs: "auto" (the first CUDA GPU, else the first OpenCL GPU), "cuda", "opencl", or "ilgpu-cpu"
    /// (ILGPU's CPU accelerator, to check the kernels on a board without GPU; far slower than "native"). Without the GPU
    /// named the host does not start. Other engines ignore it.
    /// </summary>
    public string Accelerator { get; set; } = AfmEdge.Kernels.ProcessingAccelerator.Auto;

    /// <summary>"auto": the model in <see cref="ModelDirectory"/> that fits the frame's channels and pixel (<c>ModelCatalog.Select</c>); else a model name or .onnx path.</summary>
    public string Model { get; set; } = "auto";

    /// <summary>Folder of bundled models; relative paths are taken from the application's folder.</summary>
    public string ModelDirectory { get; set; } = "models";

    /// <summary>
    /// Threads an engine may use for one frame; 0 means one per core. One by default: the pipeline's stages already
    /// run side by side on the cores, and sharing each frame among threads only adds hand-offs and waiting (on 2 cores,
    /// 256² 4 channels: 20–30 % more processor time per frame with 2 threads, `afmedge bench pipeline --set
    /// AfmEdge:Enhancement:Threads=2`). More threads shorten one frame's latency when the other stages leave cores idle.
    /// </summary>
    public int Threads { get; set; } = 1;

    /// <summary>
    /// Input pixels per tile side (before the halo); memory depends on this, not on the frame size. Each tile recomputes
    /// its halo (twice the network's depth for the native engine) and the native engine rounds a tile's width up to whole
    /// vectors of 4×4 blocks, so small tiles waste work: 128 did ≈ 1.7× the arithmetic of one 256² frame, 256 does none
    /// at 256² and ≈ 1.3× at 512².
    /// </summary>
    public int TileSize { get; set; } = 256;

    /// <summary>Reload models when files in the model folder (or the configured .onnx file) change; a bad file keeps the previous model.</summary>
    public bool WatchModels { get; set; } = true;

    public IEnumerable<string> Validate()
    {
        if (!Engines.Contains(Engine, StringComparer.Ordinal))
        {
            yield return $"Enhancement:Engine = '{Engine}': must be one of {string.Join(", ", Engines)}.";
        }

        if (!AfmEdge.Kernels.EnhancementAccelerator.IsKnown(Accelerator))
        {
            yield return $"Enhancement:Accelerator = '{Accelerator}': must be one of {string.Join(", ", AfmEdge.Kernels.EnhancementAccelerator.Names)}" +
                (Accelerator == AfmEdge.Kernels.ProcessingAccelerator.Cpu ? " (on the CPU use Enhancement:Engine = native)." : ".");
        }

        if (string.IsNullOrWhiteSpace(Model))
        {
            yield return "Enhancement:Model is empty: use \"auto\", a model name or an .onnx path.";
        }

        if (string.IsNullOrWhiteSpace(ModelDirectory))
        {
            yield return "Enhancement:ModelDirectory is empty.";
        }

        if (Threads is < 0 or > 256)
        {
            yield return $"Enhancement:Threads = {Threads}: must be between 0 (one per core) and 256.";
        }

        if (TileSize is < 16 or > 4096)
        {
            yield return $"Enhancement:TileSize = {TileSize}: must be between 16 and 4096 pixels.";
        }
    }

    public int EffectiveThreads => Threads == 0 ? Environment.ProcessorCount : Threads;

    public string ResolvedModelDirectory => Path.IsPathRooted(ModelDirectory) ? ModelDirectory : Path.Combine(AppContext.BaseDirectory, ModelDirectory);
}

/// <summary>Capacities of the bounded channels between stages.</summary>
public sealed class PipelineOptions
{
    /// <summary>Scan lines buffered between the source and frame assembly (scan data waits, never drops).</summary>
    public int LineCapacity { get; set; } = 2048;

    /// <summary>Frames buffered between each pair of later stages.</summary>
    public int FrameCapacity { get; set; } = 4;

    /// <summary>Stop the host once the source has produced Source:Frames frames and all were published.</summary>
    public bool StopWhenSourceCompletes { get; set; } = true;

    /// <summary>
    /// Analyse every n-th enhanced frame (the first included); 1, the default, analyses every frame. The frames in between
    /// are published all the same, without a summary (the retained summary topic keeps the latest). On 2 cores the analysis
    /// of a 512² frame costs about as much processor time as everything else together, so a fast scan that must not wait
    /// for it (video-rate imaging) trades summaries for frame rate here (`afmedge bench pipeline --set
    /// AfmEdge:Pipeline:AnalyseEvery=3`).
    /// </summary>
    public int AnalyseEvery { get; set; } = 1;

    /// <summary>
    /// Enhanced frames analysed at once (1–8; default 2), their summaries still published in frame order. One frame's
    /// analysis runs mostly on one thread and takes longer than a video-rate frame period, so with one worker it alone sets
    /// the frame rate while the other core waits; two let it use the time the other stages leave on both cores.
    /// </summary>
    public int AnalysisWorkers { get; set; } = 2;
}
