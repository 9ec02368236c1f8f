namespace AfmEdge.Inference.Network;

/// <summary>What follows a convolution. Fused into the convolution by every engine.</summary>
public enum Activation
{
    None,
    LeakyRelu,
}

/// <summary>
/// One 3×3 convolution, stride 1, zero padding 1 (so the image keeps its size), with bias and activation.
/// Weights are laid out as ONNX stores them: [out, in, 3, 3] row-major.
/// </summary>
public sealed class ConvLayer
{
    public const int KernelSize = 3;

    public ConvLayer(int inChannels, int outChannels, float[] weights, float[] bias, Activation activation, float negativeSlope)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(bias);
        if (weights.Length != outChannels * inChannels * KernelSize * KernelSize)
        {
            throw new ArgumentException(
                $"A {inChannels}→{outChannels} 3×3 convolution has {outChannels * inChannels * 9} weights, not {weights.Length}.", nameof(weights));
        }

        if (bias.Length != outChannels)
        {
            throw new ArgumentException($"A convolution with {outChannels} outputs has {outChannels} biases, not {bias.Length}.", nameof(bias));
        }

        if (!float.IsFinite(negativeSlope) || negativeSlope is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(negativeSlope), negativeSlope, "The LeakyReLU slope must be in [0, 1).");
        }

        InChannels = inChannels;
        OutChannels = outChannels;
        Weights = weights;
        Bias = bias;
        Activation = activation;
        // A slope without LeakyReLU means nothing; keeping it would make equal layers compare unequal after a round trip
        // through ONNX, which stores no slope for a convolution without activation.
        NegativeSlope = activation == Activation.LeakyRelu ? negativeSlope : 0f;
    }

    public int InChannels { get; }
    public int OutChannels { get; }

    /// <summary>[out, in, 3, 3]; mutable so the trainer can update it in place.</summary>
    public float[] Weights { get; }

    public float[] Bias { get; }
    public Activation Activation { get; }

    /// <summary>LeakyReLU's slope for negative inputs (0 gives ReLU); 0 when <see cref="Activation"/> is None.</summary>
    public float NegativeSlope { get; }

    public int ParameterCount => Weights.Length + Bias.Length;

    /// <summary>Index of weight (o, i, ky, kx) in <see cref="Weights"/>.</summary>
    public int WeightIndex(int output, int input, int ky, int kx) =>
        (((output * InChannels) + input) * KernelSize + ky) * KernelSize + kx;

    public float Activate(float value) =>
        Activation == Activation.LeakyRelu && value < 0 ? value * NegativeSlope : value;
}
