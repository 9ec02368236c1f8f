using AfmEdge.Inference.Network;

namespace AfmEdge.Inference.Training;

/// <summary>
/// The trainer's SIMD forward pass over a whole frame: the same function as <see cref="EnhancerReference.Run"/>
/// (so evaluation and training agree), fast enough to score models on many frames. Allocates its buffers per call.
/// A per-frame model (<see cref="FrameNormalisation"/>) is run with the frame's own statistics, as the enhancer runs it.
/// </summary>
public static class TrainerForward
{
    public static float[][] Run(EnhancerNetwork network, IReadOnlyList<float[]> inputs, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count != network.InputChannels.Count || inputs.Any(p => p is null || p.Length != width * height))
        {
            throw new ArgumentException($"Expected {network.InputChannels.Count} planes of {width}×{height}.", nameof(inputs));
        }

        network = FrameNormalisation.ForFrame(network, inputs);
        var graph = new TrainingGraph(network, 1, width, height);
        var stride = width + 2;
        for (var c = 0; c < inputs.Count; c++)
        {
            var plane = graph.InputPlane(0, c);
            var mean = network.Mean[c];
            var std = network.Std[c];
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    plane[((y + 1) * stride) + x + 1] = (inputs[c][(y * width) + x] - mean) / std;
                }
            }
        }

        graph.Forward(1);
        var size = 4 * width * height;
        var residual = new float[network.OutputChannels.Count * size];
        graph.CopyResidual(0, residual);
        var outputs = new float[network.OutputChannels.Count][];
        for (var o = 0; o < outputs.Length; o++)
        {
            var source = network.OutputSourceIndex[o];
            var output = new float[size];
            BicubicUpsampler.Upsample(inputs[source], width, height, output);
            var std = network.Std[source];
            for (var i = 0; i < size; i++)
            {
                output[i] += std * residual[(o * size) + i];
            }

            outputs[o] = output;
        }

        return outputs;
    }
}
