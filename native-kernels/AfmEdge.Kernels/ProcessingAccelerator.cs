namespace AfmEdge.Kernels;

/// <summary>
/// The processing accelerator a configuration names (AfmEdge:Processing:Accelerator, the CLI's --accelerator):
/// <c>cpu</c> (the SIMD code, the production path without GPU), <c>auto</c> (a CUDA or OpenCL GPU when ILGPU finds one,
/// else cpu), <c>cuda</c> or <c>opencl</c> (that GPU or an error), <c>ilgpu-cpu</c> (ILGPU's CPU accelerator: checks the
/// kernels on a board without GPU; ~40× slower than the SIMD code).
/// </summary>
public static class ProcessingAccelerator
{
    public const string Cpu = "cpu";
    public const string Auto = "auto";
    public const string Cuda = "cuda";
    public const string OpenCL = "opencl";
    public const string IlgpuCpu = "ilgpu-cpu";

    public static IReadOnlyList<string> Names { get; } = [Cpu, Auto, Cuda, OpenCL, IlgpuCpu];

    public static bool IsKnown(string? name) => name is not null && Names.Contains(name, StringComparer.Ordinal);

    /// <summary>
    /// Opens the accelerator <paramref name="name"/> names, kernels loaded. Null means the SIMD code: for <c>cpu</c>,
    /// and for <c>auto</c> without a GPU. <paramref name="choice"/> says, in one line, what was chosen and why.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="name"/> is not one of <see cref="Names"/>.</exception>
    /// <exception cref="InvalidOperationException"><c>cuda</c> or <c>opencl</c> named and no such GPU is usable; the message says why.</exception>
    public static AcceleratorGridDevice? Open(string name, out string choice)
    {
        switch (name)
        {
            case Cpu:
                choice = "cpu (SIMD code)";
                return null;
            case IlgpuCpu:
                choice = "ilgpu-cpu (ILGPU's CPU accelerator)";
                return new AcceleratorGridDevice(KernelAccelerator.CreateCpu(), IlgpuCpu);
            case Auto:
                if (KernelAccelerator.TryCreateGpu(GpuBackend.Any, out var gpu, out var reason))
                {
                    var device = Wrap(gpu!);
                    choice = device.Name;
                    return device;
                }

                choice = $"cpu (SIMD code): {reason}";
                return null;
            case Cuda or OpenCL:
                var backend = name == Cuda ? GpuBackend.Cuda : GpuBackend.OpenCL;
                if (!KernelAccelerator.TryCreateGpu(backend, out var named, out var problem))
                {
                    throw new InvalidOperationException($"Processing accelerator '{name}' is not available: {problem}. Use 'auto' to fall back to the CPU, or 'cpu'.");
                }

                var opened = Wrap(named!);
                choice = opened.Name;
                return opened;
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, $"Unknown processing accelerator; use one of {string.Join(", ", Names)}.");
        }
    }

    private static AcceleratorGridDevice Wrap(KernelAccelerator accelerator) =>
        new(accelerator, KernelAccelerator.GpuName(accelerator.Accelerator));
}
