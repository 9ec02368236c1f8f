using AfmEdge.Inference;
using AfmEdge.Inference.Network;
using ILGPU;
using ILGPU.Runtime;

namespace AfmEdge.Kernels;

/// <summary>Shape of one 3×3 convolution launch, passed by value to the kernel.</summary>
public readonly record struct ConvolutionShape(int InChannels, int OutChannels, int Width, int Height, int LeakyRelu, float NegativeSlope);

/// <summary>
/// ILGPU kernels for the enhancer network's layers, one GPU thread per output sample: normalisation, a direct 3×3
/// convolution with zero padding, bias and LeakyReLU fused, the ×2 bicubic skip, and DepthToSpace fused with the skip's
/// sum. Each kernel computes what <see cref="EnhancerReference"/> and <see cref="BicubicUpsampler"/> compute (in float
/// accumulators, so results agree to rounding); the tests compare them on ILGPU's CPU accelerator with tiny inputs.
/// Kernels are loaded once per accelerator.
/// </summary>
public sealed class ConvolutionKernels
{
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _normalise;
    private readonly Action<Index3D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvolutionShape> _convolve;
    private readonly Action<Index3D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int> _upsampleAndAdd;

    public ConvolutionKernels(Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        Accelerator = accelerator;
        _normalise = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(NormaliseKernel);
        _convolve = accelerator.LoadAutoGroupedStreamKernel<Index3D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvolutionShape>(ConvolveKernel);
        _upsampleAndAdd = accelerator.LoadAutoGroupedStreamKernel<Index3D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int>(
            SkipKernel);
    }

    public Accelerator Accelerator { get; }

    /// <summary>output[c][i] = (input[c][i] − mean[c]) / std[c] over planes of <paramref name="plane"/> samples.</summary>
    public void Normalise(ArrayView<float> input, ArrayView<float> output, ArrayView<float> mean, ArrayView<float> std, int plane) =>
        _normalise((int)Math.Min(input.Length, output.Length), input, output, mean, std, plane);

    /// <summary>One 3×3 layer: weights [out][in][3][3] as <see cref="ConvLayer.Weights"/>, bias [out].</summary>
    public void Convolve(ArrayView<float> input, ArrayView<float> weights, ArrayView<float> bias, ArrayView<float> output, ConvolutionShape shape) =>
        _convolve(new Index3D(shape.Width, shape.Height, shape.OutChannels), input, weights, bias, output, shape);

    /// <summary>
    /// output[o] = Bicubic×2(input[source[o]]) + std[source[o]] · DepthToSpace(residual)[o] for every output channel.
    /// </summary>
    public void UpsampleAndAdd(
        ArrayView<float> input, ArrayView<float> residual, ArrayView<float> std, ArrayView<int> sources, ArrayView<float> output, int width, int height) =>
        _upsampleAndAdd(new Index3D(2 * width, 2 * height, (int)sources.Length), input, residual, std, sources, output, width, height);

    internal static void NormaliseKernel(Index1D index, ArrayView<float> input, ArrayView<float> output, ArrayView<float> mean, ArrayView<float> std, int plane)
    {
        var channel = index / plane;
        output[index] = (input[index] - mean[channel]) / std[channel];
    }

    internal static void ConvolveKernel(
        Index3D index, ArrayView<float> input, ArrayView<float> weights, ArrayView<float> bias, ArrayView<float> output, ConvolutionShape shape)
    {
        var (x, y, o) = (index.X, index.Y, index.Z);
        var plane = shape.Width * shape.Height;
        var sum = bias[o];
        for (var i = 0; i < shape.InChannels; i++)
        {
            for (var ky = 0; ky < 3; ky++)
            {
                var sy = y + ky - 1;
                if (sy < 0 || sy >= shape.Height)
                {
                    continue;
                }

                for (var kx = 0; kx < 3; kx++)
                {
                    var sx = x + kx - 1;
                    if (sx >= 0 && sx < shape.Width)
                    {
                        sum += weights[(((o * shape.InChannels) + i) * 9) + (ky * 3) + kx] * input[(i * plane) + (sy * shape.Width) + sx];
                    }
                }
            }
        }

        output[(o * plane) + (y * shape.Width) + x] = shape.LeakyRelu != 0 && sum < 0 ? sum * shape.NegativeSlope : sum;
    }

    internal static void SkipKernel(
        Index3D index, ArrayView<float> input, ArrayView<float> residual, ArrayView<float> std, ArrayView<int> sources, ArrayView<float> output, int width, int height)
    {
        var (ox, oy, o) = (index.X, index.Y, index.Z);
        var plane = width * height;
        var source = sources[o];

        var x = ox / 2;
        var y = oy / 2;
        var sum = BicubicSample(input.SubView(source * plane, plane), width, height, ox, oy);

        var depth = (4 * o) + (2 * (oy % 2)) + (ox % 2);
        output[(o * 4 * plane) + (oy * 2 * width) + ox] = sum + (std[source] * residual[(depth * plane) + (y * width) + x]);
    }

    /// <summary>
    /// Output sample (<paramref name="ox"/>, <paramref name="oy"/>) of the ×2 bicubic upsampling of one plane, as
    /// BicubicUpsampler computes it. Output sample 2x + phase sits ¼ pixel left (phase 0) or right (phase 1) of input
    /// centre x: taps x − 2 … x + 1 or x − 1 … x + 2 with Keys' a = −0.5 weights, edges replicated, rows first.
    /// </summary>
    internal static float BicubicSample(ArrayView<float> plane, int width, int height, int ox, int oy)
    {
        var firstX = (ox / 2) - 2 + (ox % 2);
        var firstY = (oy / 2) - 2 + (oy % 2);
        var sum = 0f;
        for (var ty = 0; ty < 4; ty++)
        {
            var sy = Math.Max(0, Math.Min(firstY + ty, height - 1));
            var row = 0f;
            for (var tx = 0; tx < 4; tx++)
            {
                var sx = Math.Max(0, Math.Min(firstX + tx, width - 1));
                row += Weight(ox % 2, tx) * plane[(sy * width) + sx];
            }

            sum += Weight(oy % 2, ty) * row;
        }

        return sum;
    }

    // Keys' cubic (a = −0.5) at the tap distances of BicubicUpsampler's two phases: |tap − 1.75| for the left phase
    // (1.75, 0.75, 0.25, 1.25) and |tap − 1.25| for the right (1.25, 0.25, 0.75, 1.75).
    internal static float Weight(int phase, int tap)
    {
        var d = Math.Abs(tap - 1.75f + (0.5f * phase));
        return d <= 1 ? (((1.5f * d) - 2.5f) * d * d) + 1 : d < 2 ? (((((-0.5f * d) + 2.5f) * d) - 4f) * d) + 2f : 0f;
    }
}
