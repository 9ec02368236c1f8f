using AfmEdge.Core;
using AfmEdge.Inference.Network;

namespace AfmEdge.Inference;

/// <summary>
/// Enhances frames with a trained network: the frame's trace channels that the network takes are stacked in
/// its order, run tile by tile through the engine, and the network's outputs replace those channels at ×2;
/// every other channel (retrace, channels the model does not output) is upsampled bicubically so the frame
/// stays whole. A missing input channel is an <see cref="ArgumentException"/> naming it.
/// NaN samples (masked or missing data in imported files) enter the network as the channel's training mean
/// and come out as NaN again, so one bad pixel cannot spread over the receptive field.
/// A per-frame model (<see cref="FrameNormalisation"/>) sees each frame mapped onto its stored statistics with the
/// frame's own mean and standard deviation, computed once over the whole frame before tiling, and its output is
/// mapped back: the result does not depend on the file's height offset or scale, and tiles still equal the full frame.
/// </summary>
public sealed class CnnFrameEnhancer : IFrameEnhancer, IDisposable
{
    private readonly TiledEnhancer _tiler;
    private readonly BicubicUpsampler _bicubic = new();

    /// <param name="engine">Owned: disposed with this enhancer. It must accept tiles of
    /// <see cref="TiledEnhancer.MaxTileSide"/>(network, <paramref name="tileSize"/>) pixels a side.</param>
    public CnnFrameEnhancer(IEnhancementEngine engine, int tileSize)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _tiler = new TiledEnhancer(engine, tileSize);
    }

    /// <summary>"model/engine", e.g. "fusion4/native", as frame metadata and logs show it.</summary>
    public string Name => $"{_tiler.Network.Name}/{_tiler.Engine.Name}";

    public int Scale => 2;

    public TiledEnhancer Tiler => _tiler;

    public Frame Enhance(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var network = _tiler.Network;
        var width = frame.Width;
        var height = frame.Height;
        var inputs = new float[network.InputChannels.Count][];
        bool[]? missing = null;
        var perFrame = FrameNormalisation.IsPerFrame(network);
        for (var c = 0; c < inputs.Length; c++)
        {
            var name = network.InputChannels[c];
            if (!frame.TryGetChannel(name, ScanDirection.Trace, out var channel))
            {
                throw new ArgumentException(
                    $"Frame {frame.Id} has no '{name}' channel, which model '{network.Name}' needs (it has {string.Join(", ", frame.Channels.Select(ch => ch.Descriptor.Key))}).",
                    nameof(frame));
            }

            inputs[c] = channel.Data.ToArray();
        }

        var (centre, scale) = FrameNormalisation.For(network, inputs);
        for (var c = 0; c < inputs.Length; c++)
        {
            ReplaceNonFinite(inputs[c], centre[c], ref missing);
            if (perFrame)
            {
                MapAffine(inputs[c], centre[c], network.Std[c] / scale[c], network.Mean[c]);
            }
        }

        var outputs = new float[network.OutputChannels.Count][];
        for (var o = 0; o < outputs.Length; o++)
        {
            outputs[o] = new float[4 * width * height];
        }

        _tiler.Enhance(inputs, width, height, outputs);
        if (perFrame)
        {
            for (var o = 0; o < outputs.Length; o++)
            {
                var source = network.OutputSourceIndex[o];
                MapAffine(outputs[o], network.Mean[source], scale[source] / network.Std[source], centre[source]);
            }
        }

        if (missing is not null)
        {
            foreach (var output in outputs)
            {
                RestoreMissing(output, missing, width, height);
            }
        }

        var enhanced = new List<Channel>(frame.Channels.Count);
        foreach (var channel in frame.Channels)
        {
            var index = channel.Direction == ScanDirection.Trace ? IndexOf(network.OutputChannels, channel.Name) : -1;
            if (index >= 0)
            {
                enhanced.Add(channel.WithData(2 * width, 2 * height, outputs[index]));
            }
            else
            {
                var upsampled = new float[4 * width * height];
                BicubicUpsampler.Upsample(channel.Data, width, height, upsampled);
                enhanced.Add(channel.WithData(2 * width, 2 * height, upsampled));
            }
        }

        return frame.With(enhanced, "enhancer", Name);
    }

    public void Dispose() => _tiler.Engine.Dispose();

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>values[i] = (values[i] − from) · gain + to, in place.</summary>
    private static void MapAffine(float[] values, float from, float gain, float to)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = ((values[i] - from) * gain) + to;
        }
    }

    /// <summary>Fills non-finite samples with <paramref name="fill"/> and marks them; the mask is made at the first one.</summary>
    private static void ReplaceNonFinite(float[] values, float fill, ref bool[]? missing)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                missing ??= new bool[values.Length];
                values[i] = fill;
                missing[i] = true;
            }
        }
    }

    private static void RestoreMissing(float[] output, bool[] missing, int width, int height)
    {
        for (var y = 0; y < height; y++)
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
}
