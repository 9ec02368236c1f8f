namespace AfmEdge.Control;

/// <summary>
/// One piezo axis as calibrated on the instrument: sensitivity and the voltage window and slew rate the
/// piezo and its amplifier tolerate. The scan engine never writes a DAC code outside this window or a
/// step faster than the slew rate.
/// </summary>
/// <param name="MetresPerVolt">Displacement per volt of DAC output (positive; Z: extension toward the sample).</param>
/// <param name="MinVolts">Lowest allowed output voltage (Z: fully retracted).</param>
/// <param name="MaxVolts">Highest allowed output voltage (Z: fully extended).</param>
/// <param name="MaxSlewVoltsPerSecond">Fastest allowed change of the output.</param>
public sealed record AxisCalibration(double MetresPerVolt, double MinVolts, double MaxVolts, double MaxSlewVoltsPerSecond)
{
    /// <summary>Metres between the window's ends.</summary>
    public double RangeMetres => (MaxVolts - MinVolts) * MetresPerVolt;

    /// <summary>Every violated constraint, each naming <paramref name="axis"/>, the field and its value.</summary>
    public IEnumerable<string> Validate(string axis)
    {
        if (!(MetresPerVolt > 0 && double.IsFinite(MetresPerVolt)))
        {
            yield return $"{axis}.MetresPerVolt = {MetresPerVolt}: must be positive.";
        }

        if (!(double.IsFinite(MinVolts) && double.IsFinite(MaxVolts) && MinVolts < MaxVolts))
        {
            yield return $"{axis}.MinVolts/MaxVolts = {MinVolts}/{MaxVolts}: need finite MinVolts < MaxVolts.";
        }

        if (!(MaxSlewVoltsPerSecond > 0 && double.IsFinite(MaxSlewVoltsPerSecond)))
        {
            yield return $"{axis}.MaxSlewVoltsPerSecond = {MaxSlewVoltsPerSecond}: must be positive.";
        }
    }
}
