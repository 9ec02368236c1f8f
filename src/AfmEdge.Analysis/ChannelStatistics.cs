namespace AfmEdge.Analysis;

/// <summary>Summary statistics of the finite samples of a channel (non-finite samples are counted apart).</summary>
public sealed record ChannelStatistics(int Count, int NonFinite, double Mean, double StdDev, double Min, double Max)
{
    public static ChannelStatistics Of(ReadOnlySpan<float> data)
    {
        double sum = 0;
        var count = 0;
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var v in data)
        {
            if (!float.IsFinite(v))
            {
                continue;
            }

            sum += v;
            count++;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        if (count == 0)
        {
            return new ChannelStatistics(0, data.Length, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        var mean = sum / count;
        double squares = 0;
        foreach (var v in data)
        {
            if (float.IsFinite(v))
            {
                squares += (v - mean) * (v - mean);
            }
        }

        return new ChannelStatistics(count, data.Length - count, mean, Math.Sqrt(squares / count), min, max);
    }
}
