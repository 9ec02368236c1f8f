using AfmEdge.Inference.Network;

namespace AfmEdge.Inference;

/// <summary>
/// What <see cref="CnnFrameEnhancer"/> does to a frame's samples around the network, for any range of rows: non-finite
/// inputs are filled with the channel's centre and marked, a per-frame model's inputs are mapped onto its stored
/// statistics (<see cref="FrameNormalisation"/>) and its outputs mapped back, and the 2×2 output pixels over a marked
/// input are NaN again. Every step is elementwise with the frame's statistics fixed up front, so a frame handled a band
/// at a time (<see cref="RowSourceEnhancer"/>) comes out bitwise equal to the whole frame handled at once.
/// </summary>
public sealed class FrameConditioning
{
    private readonly EnhancerNetwork _network;
    private readonly float[] _centre;
    private readonly float[] _inputGain;
    private readonly float[] _outputGain;

    /// <param name="network">The model.</param>
    /// <param name="statistics">The centre and scale per input channel, from <see cref="FrameNormalisation.For"/> or
    /// <see cref="FrameNormalisation.FromStatistics"/>: the stored ones for a model that normalises with them.</param>
    public FrameConditioning(EnhancerNetwork network, (float[] Mean, float[] Std) statistics)
    {
        ArgumentNullException.ThrowIfNull(network);
        var (centre, scale) = statistics;
        ArgumentNullException.ThrowIfNull(centre);
        ArgumentNullException.ThrowIfNull(scale);
        var channels = network.InputChannels.Count;
        if (centre.Length != channels || scale.Length != channels)
        {
            throw new ArgumentException($"Expected a centre and a scale for each of the {channels} input channels.", nameof(statistics));
        }

        _network = network;
        _centre = [.. centre];
        IsPerFrame = FrameNormalisation.IsPerFrame(network);
        _inputGain = new float[channels];
        for (var c = 0; c < channels; c++)
        {
            _inputGain[c] = network.Std[c] / scale[c];
        }

        _outputGain = new float[network.OutputChannels.Count];
        for (var o = 0; o < _outputGain.Length; o++)
        {
            var source = network.OutputSourceIndex[o];
            _outputGain[o] = scale[source] / network.Std[source];
        }
    }

    /// <summary>True when inputs and outputs are mapped with the frame's own statistics.</summary>
    public bool IsPerFrame { get; }

    /// <summary>The value each input channel's non-finite samples are filled with (the frame's mean or the stored one).</summary>
    public IReadOnlyList<float> Centre => _centre;

    /// <summary>The conditioning of a frame held whole: one plane per network input channel.</summary>
    public static FrameConditioning For(EnhancerNetwork network, IReadOnlyList<float[]> inputs) => new(network, FrameNormalisation.For(network, inputs));

    /// <summary>
    /// Readies samples of input <paramref name="channel"/> for the network, in place: non-finite ones become the centre
    /// and are marked true in <paramref name="missing"/> (which lines up with <paramref name="samples"/>; marks are only
    /// ever set, so one mask serves every channel), then a per-frame model's samples are mapped onto the stored
    /// statistics. <paramref name="missing"/> may be empty when the caller knows every sample is finite.
    /// Returns how many samples were non-finite.
    /// </summary>
    public int PrepareInput(int channel, Span<float> samples, Span<bool> missing)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, _centre.Length);
        if (!missing.IsEmpty && missing.Length != samples.Length)
        {
            throw new ArgumentException($"The mask holds {missing.Length} flags for {samples.Length} samples.", nameof(missing));
        }

        var fill = _centre[channel];
        var replaced = 0;
        for (var i = 0; i < samples.Length; i++)
        {
            if (!float.IsFinite(samples[i]))
            {
                if (missing.IsEmpty)
                {
                    throw new ArgumentException($"Sample {i} is not finite, and no mask was given to mark it.", nameof(missing));
                }

                samples[i] = fill;
                missing[i] = true;
                replaced++;
            }
        }

        if (IsPerFrame)
        {
            MapAffine(samples, fill, _inputGain[channel], _network.Mean[channel]);
        }

        return replaced;
    }

    /// <summary>Maps samples of network output <paramref name="output"/> back to the frame's statistics, in place (nothing to do for a stored-statistics model).</summary>
    public void FinishOutput(int output, Span<float> samples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(output);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(output, _outputGain.Length);
        if (IsPerFrame)
        {
            var source = _network.OutputSourceIndex[output];
            MapAffine(samples, _network.Mean[source], _outputGain[output], _centre[source]);
        }
    }

    /// <summary>The index of the first non-finite sample, or −1: lets a caller make a mask only when one is needed.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> samples)
    {
        for (var i = 0; i < samples.Length; i++)
        {
            if (!float.IsFinite(samples[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Sets NaN on the 2×2 output pixels over every marked input pixel: <paramref name="missing"/> holds whole input rows
    /// of <paramref name="width"/>, <paramref name="output"/> the output rows twice as many and twice as wide.
    /// </summary>
    public static void RestoreMissing(Span<float> output, ReadOnlySpan<bool> missing, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        var rows = missing.Length / width;
        if (rows * width != missing.Length || output.Length < 4 * missing.Length)
        {
            throw new ArgumentException($"Expected whole rows of {width} flags and {2 * width}-wide output rows for them.", nameof(missing));
        }

        for (var y = 0; y < rows; y++)
        {
            for (var x = 0; x < width; x++)
            {
                if (missing[(y * width) + x])
                {
                    var top = (2 * y * 2 * width) + (2 * x);
                    output[top] = output[top + 1] = output[top + (2 * width)] = output[top + (2 * width) + 1] = float.NaN;
                }
            }
        }
    }

    /// <summary>values[i] = (values[i] − from) · gain + to, in place; scalar so every path rounds alike.</summary>
    private static void MapAffine(Span<float> values, float from, float gain, float to)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = ((values[i] - from) * gain) + to;
        }
    }
}
