using AfmEdge.Processing;
using ILGPU.Runtime;

namespace AfmEdge.Kernels;

/// <summary>
/// A <see cref="KernelAccelerator"/> as the processing chain's <see cref="IGridDevice"/>: each grid step that
/// <see cref="GridKernels"/> has a kernel for runs on it, the rest on the SIMD code. Owns the accelerator. Calls are
/// serialised (the chain runs channels in parallel, an accelerator's stream is one queue), and after
/// <see cref="Dispose"/> a call throws <see cref="ObjectDisposedException"/> instead of touching a freed device.
/// </summary>
public sealed class AcceleratorGridDevice : IGridDevice, IDisposable
{
    private readonly KernelAccelerator _accelerator;
    private readonly Lock _gate = new();
    private bool _disposed;

    /// <param name="accelerator">The accelerator, kernels loaded; disposed with this device.</param>
    /// <param name="name">What the frame metadata records, e.g. "cuda NVIDIA Orin".</param>
    public AcceleratorGridDevice(KernelAccelerator accelerator, string name)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _accelerator = accelerator;
        Name = name;
    }

    public string Name { get; }

    /// <summary>Whether it is a CUDA or OpenCL GPU (false for ILGPU's CPU accelerator).</summary>
    public bool IsGpu => _accelerator.IsGpu;

    public bool TryRun(GridOperation operation, ReadOnlySpan<float> input, Span<float> output, int width, int height, byte[]? exclude)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (output.Length != input.Length)
        {
            throw new ArgumentException($"The output has {output.Length} values, the input {input.Length}.", nameof(output));
        }

        // GridKernels uploads from an array of exactly the grid's size; the chain passes slices of pooled buffers.
        var grid = input.ToArray();
        float[]? result;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                // A CUDA context is current per thread; the chain runs on whichever pool thread is free.
                _accelerator.Accelerator.Bind();
                if (!_accelerator.TryRun(operation, grid, width, height, exclude, out result))
                {
                    return false;
                }
            }
            catch (AcceleratorException e)
            {
                // A device fault (out of memory, a lost GPU) fails this frame, which the host logs and drops, not the host.
                throw new InvalidOperationException($"Step '{operation.Name}' failed on {Name}: {e.Message}", e);
            }
        }

        result.AsSpan().CopyTo(output);
        return true;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _accelerator.Dispose();
        }
    }
}
