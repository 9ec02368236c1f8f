namespace AfmEdge.Control;

/// <summary>Z feedback gains. Error and output are both in volts: Kp in V/V, Ki in 1/s, Kd in s.</summary>
/// <param name="Proportional">Kp.</param>
/// <param name="Integral">Ki, per second.</param>
/// <param name="Derivative">Kd, seconds (acts on the measurement, not the error).</param>
public readonly record struct PidGains(double Proportional, double Integral, double Derivative)
{
    /// <summary>Every violated constraint, naming the gain.</summary>
    public IEnumerable<string> Validate()
    {
        if (!(Proportional >= 0 && Proportional <= 1e3))
        {
            yield return $"Gains.Proportional = {Proportional}: must be in [0, 1000].";
        }

        if (!(Integral >= 0 && Integral <= 1e7))
        {
            yield return $"Gains.Integral = {Integral}: must be in [0, 1e7] per second.";
        }

        if (!(Derivative >= 0 && Derivative <= 1))
        {
            yield return $"Gains.Derivative = {Derivative}: must be in [0, 1] second.";
        }

        if (Proportional == 0 && Integral == 0)
        {
            yield return "Gains: Proportional and Integral are both 0; the feedback would not act.";
        }
    }
}
