using System.Runtime.Intrinsics;

namespace AfmEdge.Analysis;

/// <summary>Summary statistics of the finite samples of a channel (non-finite samples are counted apart).</summary>
public sealed record ChannelStatistics(int Count, int NonFinite, double Mean, double StdDev, double Min, double Max)
{
    /// <summary>
    /// Two passes (mean, then centred squares) in double precision, vector lanes at a time (<see cref="FiniteSumLanes"/>,
    /// <see cref="CentredSquareLanes"/>): every channel of every frame goes through here, and one scalar accumulator
    /// chain per pass cost a millisecond per 512² channel. <see cref="FrameStatistics"/> makes the same passes over a
    /// whole frame at once.
    /// </summary>
    public static ChannelStatistics Of(ReadOnlySpan<float> data)
    {
        var whole = WholeVectors(data.Length);
        var first = new FiniteSumLanes();
        first.Add(data[..whole]);
        var (count, sum, min, max) = first.Finish(data[whole..]);
        if (count == 0)
        {
            return NoFinite(data.Length);
        }

        var mean = MeanOf(sum, count);
        var second = new CentredSquareLanes();
        second.Add(data[..whole], mean);
        return Finished(data.Length, count, mean, second.Finish(data[whole..], mean), min, max);
    }

    /// <summary>How many samples of a channel of <paramref name="length"/> the lanes take: whole 128-bit vectors.</summary>
    internal static int WholeVectors(int length) => length - (length % Vector128<float>.Count);

    internal static ChannelStatistics NoFinite(int length) => new(0, length, double.NaN, double.NaN, double.NaN, double.NaN);

    internal static double MeanOf(double sum, int count) => sum / count;

    internal static ChannelStatistics Finished(int length, int count, double mean, double centredSquares, float min, float max) =>
        new(count, length - count, mean, Math.Sqrt(centredSquares / count), min, max);
}
