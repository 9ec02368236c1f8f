using AfmEdge.Host.Options;
using AfmEdge.Inference;
using AfmEdge.Inference.Onnx;
using AfmEdge.Kernels;
using ILGPU.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AfmEdge.Host.Enhancement;

/// <summary>
/// AfmEdge:Enhancement:Engine = ilgpu: the accelerator AfmEdge:Enhancement:Accelerator names, opened once when the host
/// starts (resolved only with that engine), and an <see cref="IlgpuEngine"/> on it for each model the enhancer picks. It
/// lives here, not in Inference's <see cref="EngineFactory"/>, because Kernels references Inference. Registered as a
/// singleton that the model chooser is built after, so the container disposes the chooser's engines before the accelerator.
/// </summary>
public sealed partial class IlgpuEnhancement : IDisposable
{
    private readonly EnhancementAccelerator _accelerator;
    private readonly int _tileSize;

    /// <exception cref="InvalidOperationException">The accelerator named is not there (no GPU); the message names the keys and why.</exception>
    public IlgpuEnhancement(IOptions<AfmEdgeOptions> options, ILogger<IlgpuEnhancement> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var enhancement = options.Value.Enhancement;
        _tileSize = enhancement.TileSize;
        const string Key = AfmEdgeOptions.SectionName + ":Enhancement";
        if (!EnhancementAccelerator.TryOpen(enhancement.Accelerator, out var accelerator, out var reason))
        {
            throw new InvalidOperationException(
                $"{Key}:Engine = '{EnhancementOptions.Ilgpu}' needs a GPU, and {Key}:Accelerator = '{enhancement.Accelerator}' found none: {reason}. " +
                $"Use {Key}:Engine = 'native' on the CPU, or {Key}:Accelerator = '{ProcessingAccelerator.IlgpuCpu}' to check the kernels without a GPU.");
        }

        _accelerator = accelerator!;
        LogAccelerator(logger, enhancement.Accelerator, _accelerator.Name);
    }

    /// <summary>The device the engines run on, e.g. "cuda NVIDIA H200" or "ilgpu-cpu".</summary>
    public string Device => _accelerator.Name;

    /// <summary>A tiled enhancer running <paramref name="model"/> on the accelerator.</summary>
    /// <exception cref="OnnxModelException">The device cannot hold the model's buffers (the chooser then keeps bicubic and logs it).</exception>
    public CnnFrameEnhancer CreateEnhancer(ModelEntry model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var side = TiledEnhancer.MaxTileSide(model.Network, _tileSize);
        try
        {
            return new CnnFrameEnhancer(_accelerator.CreateEngine(model.Network, side, side), _tileSize);
        }
        catch (AcceleratorException e)
        {
            throw new OnnxModelException($"Model '{model.Name}' cannot run on {_accelerator.Name}: {e.Message}", e);
        }
    }

    public void Dispose() => _accelerator.Dispose();

    [LoggerMessage(120, LogLevel.Information, "Enhancement accelerator ({Setting}): {Device}")]
    private static partial void LogAccelerator(ILogger logger, string setting, string device);
}
