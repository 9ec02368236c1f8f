using AfmEdge.Core;

namespace AfmEdge.Processing;

/// <summary>
/// 2× downsampling as a half-resolution scan would record it: along the fast axis the tip sweeps the whole pixel, so
/// each output sample is the mean of two neighbouring samples; along the slow axis a half-resolution scan simply
/// skips lines, so every other line (0, 2, 4, …) is kept. Output is ⌊w/2⌋ × ⌈h/2⌉. Used to build training pairs and
/// to compare the enhancer against a real half-resolution scan.
/// </summary>
public static class HalfResolution
{
    public static Channel Downsample(Channel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var (w, h) = Size(channel.Width, channel.Height);
        var output = new float[w * h];
        Downsample(channel.Data, channel.Width, channel.Height, output);
        return channel.WithData(w, h, output);
    }

    public static (int Width, int Height) Size(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        return (width / 2, (height + 1) / 2);
    }

    public static void Downsample(ReadOnlySpan<float> input, int width, int height, Span<float> output)
    {
        var (w, h) = Size(width, height);
        Grid.Check(input.Length, input.Length, width, height);
        if (output.Length != w * h)
        {
            throw new ArgumentException($"Output has {output.Length} samples; a {width}×{height} grid halves to {w}×{h} = {w * h}.", nameof(output));
        }

        for (var y = 0; y < h; y++)
        {
            var source = input.Slice(2 * y * width, width);
            var target = output.Slice(y * w, w);
            for (var x = 0; x < w; x++)
            {
                target[x] = 0.5f * (source[2 * x] + source[(2 * x) + 1]);
            }
        }
    }
}
