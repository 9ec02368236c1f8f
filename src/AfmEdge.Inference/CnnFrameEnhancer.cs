using System.Numerics.Tensors;
using System.Runtime.InteropServices;
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
    private float[] _bicubicScratch = [];

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

    /// <summary>
    /// Where the result arrays come from (arrays of earlier results the caller has finished with); null allocates new
    /// ones. Every sample of a result is written, so what a reused array held never shows.
    /// </summary>
    public ChannelBufferPool? OutputBuffers { get; set; }

    public Frame Enhance(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var network = _tiler.Network;
        var width = frame.Width;
        var height = frame.Height;
        var inputs = new float[network.InputChannels.Count][];
        var perFrame = FrameNormalisation.IsPerFrame(network);
        Span<bool> copied = stackalloc bool[inputs.Length];
        bool[]? missing = null;
        for (var c = 0; c < inputs.Length; c++)
        {
            var name = network.InputChannels[c];
            if (!frame.TryGetChannel(name, ScanDirection.Trace, out var channel))
            {
                throw MissingInputChannel(frame.Id, network, name, frame.Channels.Select(ch => ch.Descriptor.Key));
            }

            // A frame's samples never change, so the tiler can read them in place; a copy only where they must be
            // changed first (non-finite samples filled, or mapped onto the model's statistics).
            copied[c] = perFrame || !TensorPrimitives.IsFiniteAll(channel.Data) || !TryGetWholeArray(channel.Memory, out inputs[c]);
            if (copied[c])
            {
                inputs[c] = channel.Data.ToArray();
            }
        }

        var conditioning = FrameConditioning.For(network, inputs);
        for (var c = 0; c < inputs.Length; c++)
        {
            if (!copied[c])
            {
                // Finite samples and the stored statistics: preparing would change nothing.
                continue;
            }

            // The mask is made at the first non-finite sample: most frames have none.
            if (missing is null && FrameConditioning.IndexOfNonFinite(inputs[c]) >= 0)
            {
                missing = new bool[inputs[c].Length];
            }

            conditioning.PrepareInput(c, inputs[c], missing);
        }

        // Every sample of every result array is written below, so none is zeroed first: clearing a frame's four 1 MB results
        // took about an eighth of the enhancement stage's processor time (profiled at 256² with fusion4).
        var outputs = new float[network.OutputChannels.Count][];
        for (var o = 0; o < outputs.Length; o++)
        {
            outputs[o] = ChannelBufferPool.Allocate(OutputBuffers, 4 * width * height);
        }

        _tiler.Enhance(inputs, width, height, outputs);
        for (var o = 0; o < outputs.Length; o++)
        {
            conditioning.FinishOutput(o, outputs[o]);
        }

        if (missing is not null)
        {
            foreach (var output in outputs)
            {
                FrameConditioning.RestoreMissing(output, missing, width);
            }
        }

        var enhanced = new List<Channel>(frame.Channels.Count);
        foreach (var channel in frame.Channels)
        {
            var index = channel.Direction == ScanDirection.Trace ? ChannelNames.IndexOf(network.OutputChannels, channel.Name) : -1;
            if (index >= 0)
            {
                enhanced.Add(channel.WithData(2 * width, 2 * height, outputs[index]));
            }
            else
            {
                var upsampled = ChannelBufferPool.Allocate(OutputBuffers, 4 * width * height);
                BicubicUpsampler.Upsample(channel.Data, width, height, upsampled, BicubicScratch(width, height));
                enhanced.Add(channel.WithData(2 * width, 2 * height, upsampled));
            }
        }

        return frame.With(enhanced, "enhancer", Name);
    }

    public void Dispose() => _tiler.Engine.Dispose();

    /// <summary>The whole array behind <paramref name="memory"/>, when it is one.</summary>
    private static bool TryGetWholeArray(ReadOnlyMemory<float> memory, out float[] array)
    {
        if (MemoryMarshal.TryGetArray(memory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length)
        {
            array = segment.Array;
            return true;
        }

        array = [];
        return false;
    }

    /// <summary>
    /// The bicubic pass's intermediate (2w)×h rows, kept from frame to frame (frames of one scan share their size) so the
    /// channels the model does not output cost no allocation beyond their own result.
    /// </summary>
    private Span<float> BicubicScratch(int width, int height)
    {
        var length = 2 * width * height;
        if (_bicubicScratch.Length < length)
        {
            _bicubicScratch = new float[length];
        }

        return _bicubicScratch.AsSpan(0, length);
    }

    /// <summary>The error for a frame that lacks one of the network's (trace) input channels: names it, the model and the frame's channels.</summary>
    public static ArgumentException MissingInputChannel(FrameId frame, EnhancerNetwork network, string name, IEnumerable<string> channelKeys)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(channelKeys);
        return new ArgumentException(
            $"Frame {frame} has no '{name}' channel, which model '{network.Name}' needs (it has {string.Join(", ", channelKeys)}).", nameof(frame));
    }
}
