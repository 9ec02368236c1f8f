using System.Globalization;
using AfmEdge.Processing;

namespace AfmEdge.Kernels;

/// <summary>
/// The processing chain's grid steps on an accelerator: each <see cref="GridOperation"/> of AfmEdge.Processing mapped to
/// the kernels that compute the same definition, so a host with a GPU can run a configured chain there step by step.
/// </summary>
public static class GridKernels
{
    /// <summary>
    /// Runs <paramref name="operation"/> on the accelerator and returns true with its result, or returns false (and
    /// null) where no kernel implements it with these arguments — a masked row alignment, or a step type the kernels
    /// do not know — so the caller runs the SIMD code instead. Bad geometry throws as the step itself would.
    /// </summary>
    public static bool TryRun(this KernelAccelerator accelerator, GridOperation operation, float[] input, int width, int height, byte[]? exclude, out float[]? output)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(input);
        if (width < operation.MinWidth || height < operation.MinHeight)
        {
            throw new ArgumentOutOfRangeException(nameof(width), string.Create(CultureInfo.InvariantCulture,
                $"Step '{operation.Name}' needs at least {operation.MinWidth}×{operation.MinHeight} pixels; the grid is {width}×{height}."));
        }

        output = operation switch
        {
            PlaneLeveling => accelerator.Leveling.PlaneLevel(input, width, height, exclude),
            PolynomialLeveling poly => accelerator.Leveling.PolyLevel(input, width, height, poly.Degree, exclude),
            MaskedLeveling masked => accelerator.Statistics.MaskedLevel(input, width, height, masked, exclude),
            RowAlignment rows when exclude is null => accelerator.Kernels.AlignRows(input, width, height, rows.Method, rows.Degree, rows.TrimFraction),
            ScarRemoval scars => accelerator.Scars.Remove(input, width, height, scars),
            GaussianFilter gauss => accelerator.Kernels.Gaussian(input, width, height, gauss.Sigma),
            MedianFilter median => accelerator.Kernels.Median(input, width, height, median.Size),
            FftFilter fft => accelerator.Fft.Filter(input, width, height, fft),
            RowNotchFilter notch => accelerator.Fft.NotchRows(input, width, height, notch),
            ZeroOffset offset => accelerator.Statistics.ZeroOffset(input, width, height, offset, exclude),
            _ => null,
        };
        return output is not null;
    }
}
