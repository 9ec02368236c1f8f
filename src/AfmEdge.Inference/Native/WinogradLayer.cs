using AfmEdge.Inference.Network;

namespace AfmEdge.Inference.Native;

/// <summary>
/// A 3×3 convolution's weights transformed for Winograd F(4×4, 3×3), U = G·g·Gᵀ per (output, input) channel pair,
/// and repacked so the transform-domain product reads them in the order it uses them:
/// [ξ of 36][block of <see cref="Block"/> outputs][input channel][output within the block], zero-padded to whole blocks.
/// </summary>
internal sealed class WinogradLayer
{
    /// <summary>Output channels that the multiply stage keeps in registers at once.</summary>
    public const int Block = 8;

    // G of F(4, 3) with interpolation points 0, 1, −1, 2, −2 and ∞ (Lavin & Gray 2016): the smallest integer points,
    // whose transforms (entries up to 5 in Bᵀ, 8 in Aᵀ) keep the fp32 error near 1e-6 of the output range. The
    // weights are transformed in double and rounded once.
    private static readonly double[,] G =
    {
        { 1.0 / 4, 0, 0 },
        { -1.0 / 6, -1.0 / 6, -1.0 / 6 },
        { -1.0 / 6, 1.0 / 6, -1.0 / 6 },
        { 1.0 / 24, 1.0 / 12, 1.0 / 6 },
        { 1.0 / 24, -1.0 / 12, 1.0 / 6 },
        { 0, 0, 1 },
    };

    public WinogradLayer(ConvLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        InChannels = layer.InChannels;
        OutChannels = layer.OutChannels;
        Blocks = (OutChannels + Block - 1) / Block;
        Bias = layer.Bias;
        LeakyRelu = layer.Activation == Activation.LeakyRelu;
        NegativeSlope = LeakyRelu ? layer.NegativeSlope : 1f;
        Transformed = new float[ScratchLayout.Points * Blocks * InChannels * Block];
        Span<double> u = stackalloc double[ScratchLayout.Points];
        for (var o = 0; o < OutChannels; o++)
        {
            for (var i = 0; i < InChannels; i++)
            {
                Transform(layer, o, i, u);
                for (var xi = 0; xi < ScratchLayout.Points; xi++)
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

    /// <summary>A LeakyReLU slope of −0 (the layer allows it): the kernels then take IEEE maximum, not the hardware's.</summary>
    public bool NegativeZeroSlope => LeakyRelu && float.IsNegative(NegativeSlope);

    public float NegativeSlope { get; }

    /// <summary>Index of the transformed weight (ξ, o, i) in <see cref="Transformed"/>.</summary>
    public int WeightIndex(int xi, int output, int input) =>
        ((((xi * Blocks) + (output / Block)) * InChannels) + input) * Block + (output % Block);

    private static void Transform(ConvLayer layer, int output, int input, Span<double> u)
    {
        Span<double> gg = stackalloc double[18];
        for (var r = 0; r < 6; r++)
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

        for (var r = 0; r < 6; r++)
        {
            for (var c = 0; c < 6; c++)
            {
                double sum = 0;
                for (var kx = 0; kx < 3; kx++)
                {
                    sum += gg[(r * 3) + kx] * G[c, kx];
                }

                u[(r * 6) + c] = sum;
            }
        }
    }
}
