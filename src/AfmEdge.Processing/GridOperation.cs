using AfmEdge.Core;

namespace AfmEdge.Processing;

/// <summary>
/// A processing step on one row-major float grid. <see cref="Run"/> writes into a separate output buffer, so the
/// input is never modified; an optional exclusion mask (non-zero = excluded: a feature, or a NaN/Inf pixel the chain
/// masked) keeps pixels out of fits and statistics where the operation supports it.
/// </summary>
public abstract class GridOperation : IChannelOperation
{
    public abstract string Name { get; }

    /// <summary>Smallest grid this step accepts (most need two rows and two columns to mean anything).</summary>
    public virtual int MinWidth => 2;

    public virtual int MinHeight => 2;

    /// <summary>Computes the step from <paramref name="input"/> into <paramref name="output"/> (distinct buffers).</summary>
    public abstract void Run(ReadOnlySpan<float> input, Span<float> output, int width, int height, ReadOnlySpan<byte> exclude);

    public Channel Apply(Channel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return Apply(channel, ReadOnlySpan<byte>.Empty);
    }

    public Channel Apply(Channel channel, ReadOnlySpan<byte> exclude)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var output = new float[channel.Data.Length];
        Run(channel.Data, output, channel.Width, channel.Height, exclude);
        return channel.WithData(channel.Width, channel.Height, output);
    }

    private protected void Check(ReadOnlySpan<float> input, Span<float> output, int width, int height, ReadOnlySpan<byte> exclude)
    {
        if (width < MinWidth || height < MinHeight)
        {
            throw new ArgumentOutOfRangeException(nameof(width),
                $"Step '{Name}' needs at least {MinWidth}×{MinHeight} pixels; the grid is {width}×{height}.");
        }

        Grid.Check(input.Length, output.Length, width, height);
        Grid.CheckMask(exclude.Length, width, height);
    }
}
