namespace AfmEdge.Analysis.Statistics;

/// <summary>The standard normal distribution's tail, for two-sided p-values.</summary>
internal static class Normal
{
    /// <summary>Two-sided p-value of a z statistic: P(|Z| ≥ |z|) = erfc(|z|/√2).</summary>
    public static double TwoSidedP(double z) => double.IsNaN(z) ? double.NaN : Erfc(Math.Abs(z) / Math.Sqrt(2));

    /// <summary>
    /// Complementary error function with a Chebyshev-fitted exponent (Numerical Recipes' erfcc form),
    /// relative error below 1.2e-7 everywhere: ample for p-values.
    /// </summary>
    public static double Erfc(double x)
    {
        var z = Math.Abs(x);
        var t = 1.0 / (1.0 + (0.5 * z));
        var poly = -z * z - 1.26551223 + (t * (1.00002368 + (t * (0.37409196 + (t * (0.09678418 + (t * (-0.18628806
            + (t * (0.27886807 + (t * (-1.13520398 + (t * (1.48851587 + (t * (-0.82215223 + (t * 0.17087277)))))))))))))))));
        var result = t * Math.Exp(poly);
        return x >= 0 ? result : 2.0 - result;
    }
}
