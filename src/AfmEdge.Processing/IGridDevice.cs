namespace AfmEdge.Processing;

/// <summary>
/// Somewhere other than this library's SIMD code that can run some grid steps of a chain (an ILGPU accelerator on a
/// GPU). <see cref="ProcessingChain.Apply(AfmEdge.Core.Frame, IGridDevice?)"/> offers it each grid step and runs the
/// SIMD code for the ones it declines. Processing defines the contract so it never depends on who implements it.
/// </summary>
public interface IGridDevice
{
    /// <summary>What the frame metadata records for a step this device ran, e.g. "cuda NVIDIA Jetson Orin".</summary>
    string Name { get; }

    /// <summary>
    /// Computes <paramref name="operation"/> from <paramref name="input"/> into <paramref name="output"/> (same length,
    /// distinct buffers) and returns true, or returns false without writing when it has no kernel for the step with
    /// these arguments. May be called from several threads at once (the chain runs channels in parallel).
    /// </summary>
    /// <param name="operation">The step.</param>
    /// <param name="input">The row-major grid.</param>
    /// <param name="output">Receives the result.</param>
    /// <param name="width">Grid width.</param>
    /// <param name="height">Grid height.</param>
    /// <param name="exclude">Null, or one byte per pixel, non-zero where the pixel is excluded (feature, NaN/Inf).</param>
    bool TryRun(GridOperation operation, ReadOnlySpan<float> input, Span<float> output, int width, int height, byte[]? exclude);
}
