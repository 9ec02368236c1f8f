using AfmEdge.Core;

namespace AfmEdge.Formats;

/// <summary>Parses the unit strings files carry ("nm", "~m", "µm", "°", "nA") into a base unit and a power of ten.</summary>
internal static class Units
{
    public static PhysicalUnit Parse(string? text, out int power10)
    {
        power10 = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return PhysicalUnit.Dimensionless;
        }

        // Nanoscope writes micro as '~'; whitespace is not allowed in a PhysicalUnit symbol.
        var symbol = string.Concat(text.Where(c => !char.IsWhiteSpace(c))).Replace('~', 'µ').Replace('μ', 'µ');
        if (symbol is "°" or "deg" or "Deg" or "degrees")
        {
            return PhysicalUnit.Degree;
        }

        if (symbol.Length >= 2 && char.IsLetter(symbol[1]) && SiPrefix.TrySplit(symbol, out var exponent, out var unit) && exponent != 0)
        {
            power10 = exponent;
            return unit;
        }

        return new PhysicalUnit(symbol);
    }

    /// <summary>The unit without its prefix, the way Gwyddion's GwySIUnit keeps it (the prefix is dropped, not applied).</summary>
    public static PhysicalUnit ParseIgnoringPrefix(string? text) => Parse(text, out _);
}
