namespace AfmEdge.Inference.Network;

/// <summary>
/// <see cref="FrameNormalisation.Statistics"/> over a plane that arrives in pieces (rows, read twice from a file):
/// feed every piece in order to <see cref="AddToMean"/>, call <see cref="EndMean"/>, then feed them again, in the same
/// order, to <see cref="AddToSquares"/>. The sums are the same double sums in the same order, so the result is bitwise
/// that of the whole plane.
/// </summary>
public struct StatisticsAccumulator
{
    private double _sum;
    private long _count;
    private double _mean;
    private double _squares;
    private bool _meanDone;

    /// <summary>Adds the finite samples of the next piece to the first pass's sum.</summary>
    public void AddToMean(ReadOnlySpan<float> samples)
    {
        if (_meanDone)
        {
            throw new InvalidOperationException("The mean pass has ended; feed the pieces to AddToSquares now.");
        }

        foreach (var v in samples)
        {
            if (float.IsFinite(v))
            {
                _sum += v;
                _count++;
            }
        }
    }

    /// <summary>Ends the first pass: the mean is known from here on.</summary>
    public void EndMean()
    {
        _mean = _count == 0 ? 0 : _sum / _count;
        _meanDone = true;
    }

    /// <summary>Adds the next piece's squared deviations from the mean (the second pass).</summary>
    public void AddToSquares(ReadOnlySpan<float> samples)
    {
        if (!_meanDone)
        {
            throw new InvalidOperationException("End the mean pass (EndMean) before the second pass.");
        }

        var mean = _mean;
        foreach (var v in samples)
        {
            if (float.IsFinite(v))
            {
                _squares += (v - mean) * (v - mean);
            }
        }
    }

    /// <summary>Mean and standard deviation of the finite samples; (0, 0) when there were none.</summary>
    public readonly (float Centre, float Scale) Result =>
        _count == 0 ? (0, 0) : ((float)_mean, (float)Math.Sqrt(_squares / _count));
}
