namespace AfmEdge.Simulation.Instrument;

/// <summary>
/// The piezo non-linearities of <see cref="PiezoOptions"/>, shared by IdealScan (which knows the whole path in
/// advance) and the closed-loop virtual AFM (which sees the DAC commands one sample at a time).
/// </summary>
public static class PiezoModel
{
    /// <summary>
    /// How far the piezo falls behind its command at <paramref name="fraction"/> (0…1) of a sweep whose loop
    /// opens to <paramref name="amplitude"/> between the two directions mid-sweep: a parabola, 0 at both ends.
    /// </summary>
    public static double Hysteresis(double fraction, double amplitude)
    {
        var f = Math.Clamp(fraction, 0, 1);
        return 2 * amplitude * f * (1 - f);
    }

    /// <summary>
    /// Fraction of a move's creep still to come <paramref name="elapsed"/> seconds after it: logarithmic decay
    /// with <paramref name="creepTime"/>, reaching 0 at <paramref name="horizon"/> (the frame time).
    /// </summary>
    public static double CreepRemaining(double elapsed, double creepTime, double horizon) =>
        Math.Max(0, 1 - (Math.Log(1 + (Math.Max(elapsed, 0) / creepTime)) / Math.Log(1 + (horizon / creepTime))));
}
