using AfmEdge.Core;
using AfmEdge.Host.Options;
using AfmEdge.Kernels;
using AfmEdge.Processing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AfmEdge.Host.Pipeline;

/// <summary>
/// The processing stage's work: the configured chain, each grid step on the configured accelerator
/// (AfmEdge:Processing:Accelerator) where a kernel exists and on the SIMD code otherwise. The accelerator is opened,
/// its kernels loaded, once; the choice is logged once; <see cref="Dispose"/> frees it when the host stops.
/// </summary>
public sealed partial class FrameProcessor : IDisposable
{
    private readonly ProcessingChain _chain;
    private readonly AcceleratorGridDevice? _device;

    /// <exception cref="InvalidOperationException">"cuda" or "opencl" is configured and there is no such GPU; the message names the key.</exception>
    public FrameProcessor(ProcessingChain chain, IOptions<AfmEdgeOptions> options, ILogger<FrameProcessor> logger)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _chain = chain;
        var setting = options.Value.Processing.Accelerator;
        string choice;
        try
        {
            _device = ProcessingAccelerator.Open(setting, out choice);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"{AfmEdgeOptions.SectionName}:Processing:Accelerator = '{setting}': {e.Message}", e);
        }

        Device = _device?.Name ?? ProcessingChain.CpuDevice;
        LogAccelerator(logger, setting, choice);
    }

    /// <summary>Where grid steps with a kernel run: "cpu" or the accelerator, e.g. "cuda NVIDIA Orin", "ilgpu-cpu".</summary>
    public string Device { get; }

    /// <summary>The chain on <paramref name="frame"/>; metadata "processing.devices" says which device ran each step.</summary>
    public Frame Process(Frame frame) => _chain.Apply(frame, _device);

    public void Dispose() => _device?.Dispose();

    [LoggerMessage(110, LogLevel.Information, "Processing accelerator ({Setting}): {Choice}")]
    private static partial void LogAccelerator(ILogger logger, string setting, string choice);
}
