using System.Globalization;

namespace AfmEdge.Simulation.Specimens;

/// <summary>A closed interval [Min, Max] a specimen parameter is drawn from (uniformly).</summary>
public readonly record struct ValueRange(double Min, double Max)
{
    public bool Contains(double value) => value >= Min && value <= Max;

    /// <summary>Adds a message naming <paramref name="name"/> when the range is empty, not finite, or leaves [lower, upper].</summary>
    internal void Validate(string name, double lower, double upper, string unit, List<string> errors)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{name} = [{Min}, {Max}]{(unit.Length == 0 ? string.Empty : " " + unit)}");
        if (!double.IsFinite(Min) || !double.IsFinite(Max) || Min > Max)
        {
            errors.Add(text + ": Min and Max must be finite with Min <= Max.");
        }
        else if (Min < lower || Max > upper)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{text}: must lie within [{lower}, {upper}]."));
        }
    }
}
