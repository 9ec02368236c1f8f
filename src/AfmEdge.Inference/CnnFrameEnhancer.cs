using AfmEdge.Core;
using AfmEdge.Inference.Network;
using AfmEdge.Inference.Tiling;

namespace AfmEdge.Inference;

/// <summary>
/// The learned ×2 enhancer over whole frames: takes the frame's trace channels that the network names as its inputs,
/// runs the tiled engine, and returns a frame at twice the resolution whose network output channels come from the
/// network and every other channel (retrace included) from <see cref="BicubicUpsampler"/>. Records "enhancer" =
/// "model (engine)" in the frame's metadata. Not thread-safe: one frame at a time, as the pipeline's enhance stage runs.
/// </summary>
public sealed class CnnFrameEnhancer : IFrameEnhancer
{
    private readonly TiledEnhancer _tiles;
    private float[] _input = [];
    private float[] _output = [];
    private float[] _bicubicScratch = [];

    public CnnFrameEnhancer(TiledEnhancer tiles)
    {
        ArgumentNullException.ThrowIfNull(tiles);
        _tiles = tiles;
        Name = $"{tiles.Network.Name} ({tiles.Engine.Name})";
    }

    /// <summary>"model (engine)", e.g. "fusion-4ch (native)".</summary>
    public string Name { get; }

    public int Scale => EnhancerNetwork.Scale;

    public EnhancerNetwork Network => _tiles.Network;

    public Frame Enhance(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var network = _tiles.Network;
        var (width, height) = (frame.Width, frame.Height);
        var plane = width * height;
        var inputs = new Channel[network.InputChannels.Count];
        for (var c = 0; c < inputs.Length; c++)
        {
            var name = network.InputChannels[c];
            if (!frame.TryGetChannel(name, out var channel))
            {
                throw new ArgumentException(
                    $"Model '{network.Name}' needs channel '{name}' but frame {frame.Id} has only {string.Join(", ", frame.Channels.Select(ch => ch.Descriptor.Key))}; " +
                    $"it takes [{string.Join(", ", network.InputChannels)}].",
                    nameof(frame));
            }

            if (channel.Width != width || channel.Height != height)
            {
                throw new ArgumentException(
                    $"Channel '{name}' is {channel.Width}×{channel.Height} but frame {frame.Id} is {width}×{height}.", nameof(frame));
            }

            inputs[c] = channel;
        }

        // Frame-sized staging reused while frames keep their size; the tiles themselves allocate nothing.
        EnsureSize(ref _input, inputs.Length * plane);
        EnsureSize(ref _output, network.OutputChannels.Count * 4 * plane);
        EnsureSize(ref _bicubicScratch, 2 * plane);
        for (var c = 0; c < inputs.Length; c++)
        {
            inputs[c].Data.CopyTo(_input.AsSpan(c * plane, plane));
        }

        _tiles.Enhance(_input.AsSpan(0, inputs.Length * plane), width, height, _output.AsSpan(0, network.OutputChannels.Count * 4 * plane));

        var channels = new Channel[frame.Channels.Count];
        for (var i = 0; i < channels.Length; i++)
        {
            var channel = frame.Channels[i];
            var data = new float[4 * plane];
            var output = channel.Direction == ScanDirection.Trace ? IndexOf(network.OutputChannels, channel.Name) : -1;
            if (output >= 0)
            {
                _output.AsSpan(output * 4 * plane, 4 * plane).CopyTo(data);
            }
            else
            {
                BicubicUpsampler.Upsample(channel.Data, width, height, data, _bicubicScratch);
            }

            channels[i] = channel.WithData(2 * width, 2 * height, data);
        }

        return frame.With(channels, "enhancer", Name);
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    private static void EnsureSize(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new float[length];
        }
    }
}
