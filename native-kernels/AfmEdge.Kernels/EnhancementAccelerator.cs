using AfmEdge.Inference.Network;
using ILGPU;
using ILGPU.Runtime;

namespace AfmEdge.Kernels;

/// <summary>
/// The ILGPU accelerator the enhancer's network runs on (<see cref="IlgpuEngine"/>): AfmEdge:Enhancement:Accelerator and
/// `afmedge bench enhance --accelerator` name it. Unlike <see cref="KernelAccelerator"/> it loads no processing kernels,
/// only what each engine loads for itself, and <c>auto</c> never falls back to the CPU: ILGPU's CPU accelerator runs the
/// network ~100× slower than the native engine, so it is used only when named (<c>ilgpu-cpu</c>, to check the kernels).
/// </summary>
public sealed class EnhancementAccelerator : IDisposable
{
    private readonly Context _context;

    private EnhancementAccelerator(Context context, Accelerator accelerator, string name)
    {
        _context = context;
        Accelerator = accelerator;
        Name = name;
    }

    /// <summary>auto (CUDA, else OpenCL), cuda, opencl, ilgpu-cpu: the names <see cref="ProcessingAccelerator"/> uses, less cpu.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [ProcessingAccelerator.Auto, ProcessingAccelerator.Cuda, ProcessingAccelerator.OpenCL, ProcessingAccelerator.IlgpuCpu];

    public Accelerator Accelerator { get; }

    /// <summary>The backend as the setting spells it, then the device ILGPU reports, e.g. "cuda NVIDIA H200"; "ilgpu-cpu".</summary>
    public string Name { get; }

    public bool IsGpu => Accelerator.AcceleratorType is AcceleratorType.Cuda or AcceleratorType.OpenCL;

    public static bool IsKnown(string? name) => name is not null && Names.Contains(name, StringComparer.Ordinal);

    /// <summary>
    /// Opens the accelerator <paramref name="name"/> names. Returns false, with the reason in one line, when that GPU (for
    /// <c>auto</c>: any CUDA or OpenCL GPU) is not there.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="name"/> is not one of <see cref="Names"/>.</exception>
    public static bool TryOpen(string name, out EnhancementAccelerator? accelerator, out string reason)
    {
        if (name == ProcessingAccelerator.IlgpuCpu)
        {
            accelerator = KernelAccelerator.OpenCpu((context, device) => new EnhancementAccelerator(context, device, ProcessingAccelerator.IlgpuCpu));
            reason = string.Empty;
            return true;
        }

        var backend = name switch
        {
            ProcessingAccelerator.Auto => GpuBackend.Any,
            ProcessingAccelerator.Cuda => GpuBackend.Cuda,
            ProcessingAccelerator.OpenCL => GpuBackend.OpenCL,
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, $"Unknown enhancement accelerator; use one of {string.Join(", ", Names)}."),
        };
        return KernelAccelerator.TryOpenGpu(
            backend,
            (context, device) => new EnhancementAccelerator(context, device, KernelAccelerator.GpuName(device)),
            out accelerator,
            out reason);
    }

    /// <summary>An engine for <paramref name="network"/> on this accelerator, its device buffers sized for the given tile.</summary>
    public IlgpuEngine CreateEngine(EnhancerNetwork network, int maxTileWidth, int maxTileHeight) => new(network, this, maxTileWidth, maxTileHeight);

    public void Dispose()
    {
        Accelerator.Dispose();
        _context.Dispose();
    }
}
