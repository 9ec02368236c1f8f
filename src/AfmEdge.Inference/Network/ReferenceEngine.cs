namespace AfmEdge.Inference.Network;

/// <summary>
/// <see cref="EnhancerReference"/> behind the engine interface: the slow, obviously right engine that tiling,
/// streaming and the fast engines are checked against. Allocates per tile; never used in production.
/// </summary>
public sealed class ReferenceEngine(EnhancerNetwork network) : IEnhancementEngine
{
    public string Name => "reference";

    public EnhancerNetwork Network { get; } = network ?? throw new ArgumentNullException(nameof(network));

    public void Run(ReadOnlySpan<float> input, int width, int height, Span<float> output)
    {
        var channels = Network.InputChannels.Count;
        if (input.Length != channels * width * height || output.Length != Network.OutputChannels.Count * 4 * width * height)
        {
            throw new ArgumentException($"A {width}×{height} tile takes {channels * width * height} input and {Network.OutputChannels.Count * 4 * width * height} output floats.");
        }

        var planes = new float[channels][];
        for (var c = 0; c < channels; c++)
        {
            planes[c] = input.Slice(c * width * height, width * height).ToArray();
        }

        var result = EnhancerReference.Run(Network, planes, width, height);
        for (var o = 0; o < result.Length; o++)
        {
            result[o].CopyTo(output[(o * result[o].Length)..]);
        }
    }

    public void Dispose()
    {
    }
}
