using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace AfmEdge.Kernels;

/// <summary>
/// One ILGPU accelerator with the processing kernels loaded on it (once, at construction). Production code asks
/// <see cref="TryCreateGpu"/> for a CUDA or OpenCL GPU and falls back to the SIMD CPU path when there is none: ILGPU's
/// own CPU accelerator is a correctness tool (tests, small inputs), ~40× slower than the SIMD C# code.
/// </summary>
public sealed class KernelAccelerator : IDisposable
{
    private readonly Context _context;

    private KernelAccelerator(Context context, Accelerator accelerator)
    {
        _context = context;
        Accelerator = accelerator;
        Kernels = new ProcessingKernels(accelerator);
        Leveling = new LevelingKernels(accelerator);
        Morphology = new MorphologyKernels(accelerator);
        Scars = new ScarKernels(accelerator);
        Fft = new FftKernels(accelerator, Leveling);
        Registration = new RegistrationKernels(accelerator, Fft);
        Statistics = new StatisticsKernels(accelerator, Leveling);
        Correlation = new CorrelationKernels(accelerator);
    }

    public Accelerator Accelerator { get; }

    /// <summary>Gaussian, median, row alignment and half resolution.</summary>
    public ProcessingKernels Kernels { get; }

    /// <summary>Plane and polynomial leveling.</summary>
    public LevelingKernels Leveling { get; }

    /// <summary>Tip dilation, erosion and certainty map.</summary>
    public MorphologyKernels Morphology { get; }

    /// <summary>Scar marking and removal.</summary>
    public ScarKernels Scars { get; }

    /// <summary>The 2D FFT and the FFT filters.</summary>
    public FftKernels Fft { get; }

    /// <summary>Surface statistics, zero offset and feature-masked leveling.</summary>
    public StatisticsKernels Statistics { get; }

    /// <summary>Shift by interpolation and the phase-correlation surface.</summary>
    public RegistrationKernels Registration { get; }

    /// <summary>The analysis's local-correlation map (windowed Pearson r).</summary>
    public CorrelationKernels Correlation { get; }

    public string Name => $"{Accelerator.AcceleratorType} {Accelerator.Name}";

    public bool IsGpu => Accelerator.AcceleratorType is AcceleratorType.Cuda or AcceleratorType.OpenCL;

    /// <summary>
    /// Opens the first CUDA GPU, else the first OpenCL GPU that ILGPU accepts. Returns false, with the reason, when
    /// neither exists (no driver, only CPU OpenCL such as PoCL, which ILGPU's OpenCL backend rejects).
    /// </summary>
    public static bool TryCreateGpu(out KernelAccelerator? accelerator, out string reason) =>
        TryCreateGpu(GpuBackend.Any, out accelerator, out reason);

    /// <summary>
    /// Opens the first GPU of <paramref name="backend"/> that ILGPU accepts (for <see cref="GpuBackend.Any"/>: CUDA
    /// before OpenCL). Returns false, with the reason, when there is none.
    /// </summary>
    public static bool TryCreateGpu(GpuBackend backend, out KernelAccelerator? accelerator, out string reason) =>
        TryOpenGpu(backend, (context, device) => new KernelAccelerator(context, device), out accelerator, out reason);

    /// <summary>
    /// Opens the first GPU of <paramref name="backend"/> that ILGPU accepts and on which <paramref name="create"/> succeeds
    /// (it loads its kernels there, and owns the context and accelerator it is given). Returns false, with the reason, when
    /// there is none; a device that fails is disposed and the next one tried.
    /// </summary>
    internal static bool TryOpenGpu<T>(GpuBackend backend, Func<Context, Accelerator, T> create, out T? opened, out string reason)
        where T : class
    {
        if (!Enum.IsDefined(backend))
        {
            throw new ArgumentOutOfRangeException(nameof(backend), backend, "Unknown GPU backend.");
        }

        opened = null;
        var cuda = backend != GpuBackend.OpenCL;
        var openCl = backend != GpuBackend.Cuda;
        var runtime = backend switch
        {
            GpuBackend.Cuda => "CUDA",
            GpuBackend.OpenCL => "OpenCL",
            _ => "CUDA or OpenCL",
        };
        Context context;
        try
        {
            context = Context.Create(builder =>
            {
                if (cuda)
                {
                    builder.Cuda();
                }

                if (openCl)
                {
                    builder.OpenCL();
                }

                builder.Optimize(OptimizationLevel.O2);
            });
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or DllNotFoundException or TypeInitializationException or CLException or CudaException)
        {
            reason = $"no {runtime} runtime: " + e.Message;
            return false;
        }

        var candidates = context.Devices
            .Where(d => (cuda && d.AcceleratorType == AcceleratorType.Cuda) || (openCl && d is CLDevice cl && cl.DeviceType == CLDeviceType.CL_DEVICE_TYPE_GPU))
            .OrderBy(d => d.AcceleratorType == AcceleratorType.Cuda ? 0 : 1)
            .ToList();
        var problems = new List<string>();
        foreach (var device in candidates)
        {
            Accelerator? accelerator = null;
            try
            {
                accelerator = device.CreateAccelerator(context);
                opened = create(context, accelerator);
                reason = string.Empty;
                return true;
            }
            catch (Exception e) when (e is InvalidOperationException or NotSupportedException or CLException or CudaException or ArgumentException)
            {
                accelerator?.Dispose();
                problems.Add($"{device.Name}: {e.Message}");
            }
        }

        context.Dispose();
        reason = candidates.Count == 0
            ? $"no {runtime} GPU device found"
            : "no GPU accepted: " + string.Join("; ", problems);
        return false;
    }

    /// <summary>ILGPU's CPU accelerator (sequential), for testing the kernels against the scalar reference.</summary>
    public static KernelAccelerator CreateCpu() => OpenCpu((context, device) => new KernelAccelerator(context, device));

    /// <summary>ILGPU's sequential CPU accelerator in a context of its own, handed to <paramref name="create"/>, which owns both.</summary>
    internal static T OpenCpu<T>(Func<Context, Accelerator, T> create)
    {
        var context = Context.Create(builder => builder.CPU().Optimize(OptimizationLevel.O1));
        return create(context, context.CreateCPUAccelerator(0, CPUAcceleratorMode.Sequential));
    }

    /// <summary>"cuda NVIDIA H200" or "opencl …": the backend as the accelerator settings spell it, then the device ILGPU reports.</summary>
    internal static string GpuName(Accelerator device) =>
        $"{(device.AcceleratorType == AcceleratorType.Cuda ? ProcessingAccelerator.Cuda : ProcessingAccelerator.OpenCL)} {device.Name}";

    public void Dispose()
    {
        Accelerator.Dispose();
        _context.Dispose();
    }
}

/// <summary>Which GPU runtime <see cref="KernelAccelerator.TryCreateGpu(GpuBackend, out KernelAccelerator?, out string)"/> looks at.</summary>
public enum GpuBackend
{
    /// <summary>CUDA first, then OpenCL.</summary>
    Any,

    /// <summary>NVIDIA CUDA only.</summary>
    Cuda,

    /// <summary>OpenCL GPUs only (CPU OpenCL devices such as PoCL are not taken).</summary>
    OpenCL,
}
