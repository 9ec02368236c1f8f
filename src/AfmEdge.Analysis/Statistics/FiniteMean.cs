namespace AfmEdge.Analysis.Statistics;

/// <summary>The mean of a sequence's finite values: what is known of a score or a level where some entries are not.</summary>
internal static class FiniteMean
{
    /// <summary>The mean of the finite values of <paramref name="values"/>; NaN where none is.</summary>
    public static double Of(ReadOnlySpan<double> values)
    {
        double sum = 0;
        var count = 0;
        foreach (var value in values)
        {
            if (double.IsFinite(value))
            {
                sum += value;
                count++;
            }
        }

        return count > 0 ? sum / count : double.NaN;
    }
}
