namespace AfmEdge.Inference.Network;

/// <summary>
/// The scalar reference of <see cref="EnhancerNetwork"/>: the plainest loops that compute the function the
/// network documents, in double accumulators. Slow on purpose; every engine (ONNX Runtime, SIMD, ILGPU) and
/// the trainer's forward pass are tested against it.
/// </summary>
public static class EnhancerReference
{
    /// <summary>
    /// Enhances one frame. <paramref name="inputs"/> holds one width×height plane per input channel, in the
    /// network's channel order; the result holds one (2·width)×(2·height) plane per output channel.
    /// </summary>
    public static float[][] Run(EnhancerNetwork network, IReadOnlyList<float[]> inputs, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count != network.InputChannels.Count || inputs.Any(p => p.Length != width * height))
        {
            throw new ArgumentException($"Expected {network.InputChannels.Count} planes of {width}×{height}.", nameof(inputs));
        }

        var activations = new float[inputs.Count][];
        for (var c = 0; c < inputs.Count; c++)
        {
            activations[c] = new float[width * height];
            for (var i = 0; i < activations[c].Length; i++)
            {
                activations[c][i] = (inputs[c][i] - network.Mean[c]) / network.Std[c];
            }
        }

        foreach (var layer in network.Layers)
        {
            activations = Convolve(layer, activations, width, height);
        }

        var outputs = new float[network.OutputChannels.Count][];
        for (var o = 0; o < outputs.Length; o++)
        {
            var source = network.OutputSourceIndex[o];
            var output = new float[4 * width * height];
            BicubicUpsampler.Upsample(inputs[source], width, height, output);
            var std = network.Std[source];
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    for (var dy = 0; dy < 2; dy++)
                    {
                        for (var dx = 0; dx < 2; dx++)
                        {
                            var residual = activations[(4 * o) + (2 * dy) + dx][(y * width) + x];
                            output[(((2 * y) + dy) * 2 * width) + (2 * x) + dx] += std * residual;
                        }
                    }
                }
            }

            outputs[o] = output;
        }

        return outputs;
    }

    /// <summary>One 3×3 convolution with zero padding, bias and activation.</summary>
    public static float[][] Convolve(ConvLayer layer, float[][] input, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(input);
        var output = new float[layer.OutChannels][];
        for (var o = 0; o < layer.OutChannels; o++)
        {
            var plane = new float[width * height];
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    double sum = layer.Bias[o];
                    for (var i = 0; i < layer.InChannels; i++)
                    {
                        for (var ky = 0; ky < 3; ky++)
                        {
                            var sy = y + ky - 1;
                            if (sy < 0 || sy >= height)
                            {
                                continue;
                            }

                            for (var kx = 0; kx < 3; kx++)
                            {
                                var sx = x + kx - 1;
                                if (sx >= 0 && sx < width)
                                {
                                    sum += (double)layer.Weights[layer.WeightIndex(o, i, ky, kx)] * input[i][(sy * width) + sx];
                                }
                            }
                        }
                    }

                    plane[(y * width) + x] = layer.Activate((float)sum);
                }
            }

            output[o] = plane;
        }

        return output;
    }
}
