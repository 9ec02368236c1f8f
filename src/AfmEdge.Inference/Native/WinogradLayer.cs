using AfmEdge.Inference.Network;

namespace AfmEdge.Inference.Native;

/// <summary>
/// A 3×3 convolution's weights transformed for Winograd F(2×2, 3×3), U = G·g·Gᵀ per (output, input) channel pair,
/// and repacked so the transform-domain product reads them in the order it uses them:
/// [ξ of 16][block of <see cref="Block"/> outputs][input channel][output within the block], zero-padded to whole blocks.
/// </summary>
internal sealed class WinogradLayer
{
    /// <summary>Output channels that the multiply stage keeps in registers at once.</summary>
    public const int Block = 8;

    // G of F(2, 3): the filter transform (Lavin & Gray 2016).
    private static readonly double[,] G = { { 1, 0, 0 }, { 0.5, 0.5, 0.5 }, { 0.5, -0.5, 0.5 }, { 0, 0, 1 } };

    public WinogradLayer(ConvLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        InChannels = layer.InChannels;
        OutChannels = layer.OutChannels;
        Blocks = (OutChannels + Block - 1) / Block;
        Bias = layer.Bias;
        LeakyRelu = layer.Activation == Activation.LeakyRelu;
        NegativeSlope = LeakyRelu ? layer.NegativeSlope : 1f;
        Transformed = new float[16 * Blocks * InChannels * Block];
        Span<double> u = stackalloc double[16];
        for (var o = 0; o < OutChannels; o++)
        {
            for (var i = 0; i < InChannels; i++)
            {
                Transform(layer, o, i, u);
                for (var xi = 0; xi < 16; xi++)
                {
                    Transformed[WeightIndex(xi, o, i)] = (float)u[xi];
                }
            }
        }
    }

    public int InChannels { get; }

    public int OutChannels { get; }

    /// <summary>Output channels rounded up to whole blocks.</summary>
    public int PaddedOutChannels => Blocks * Block;

    public int Blocks { get; }

    public float[] Transformed { get; }

    public float[] Bias { get; }

    public bool LeakyRelu { get; }

    public float NegativeSlope { get; }

    /// <summary>Index of the transformed weight (ξ, o, i) in <see cref="Transformed"/>.</summary>
    public int WeightIndex(int xi, int output, int input) =>
        ((((xi * Blocks) + (output / Block)) * InChannels) + input) * Block + (output % Block);

    private static void Transform(ConvLayer layer, int output, int input, Span<double> u)
    {
        Span<double> gg = stackalloc double[12];
        for (var r = 0; r < 4; r++)
        {
            for (var kx = 0; kx < 3; kx++)
            {
                double sum = 0;
                for (var ky = 0; ky < 3; ky++)
                {
                    sum += G[r, ky] * layer.Weights[layer.WeightIndex(output, input, ky, kx)];
                }

                gg[(r * 3) + kx] = sum;
            }
        }

        for (var r = 0; r < 4; r++)
        {
            for (var c = 0; c < 4; c++)
            {
                double sum = 0;
                for (var kx = 0; kx < 3; kx++)
                {
                    sum += gg[(r * 3) + kx] * G[c, kx];
                }

                u[(r * 4) + c] = sum;
            }
        }
    }
}
