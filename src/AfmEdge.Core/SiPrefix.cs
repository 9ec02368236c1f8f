namespace AfmEdge.Core;

/// <summary>SI prefixes from femto to tera: the range AFM signals span (fA currents to Tm never, but mm scans).</summary>
public static class SiPrefix
{
    private static readonly (string Symbol, int Exponent)[] Prefixes =
    [
        ("f", -15), ("p", -12), ("n", -9), ("µ", -6), ("m", -3), (string.Empty, 0), ("k", 3), ("M", 6), ("G", 9), ("T", 12),
    ];

    /// <summary>The prefix exponent that puts <paramref name="value"/>'s mantissa in [1, 1000).</summary>
    public static int EngineeringExponent(double value)
    {
        if (value == 0 || !double.IsFinite(value))
        {
            return 0;
        }

        var exponent = (int)Math.Floor(Math.Log10(Math.Abs(value)) / 3) * 3;
        return Math.Clamp(exponent, Prefixes[0].Exponent, Prefixes[^1].Exponent);
    }

    public static string SymbolFor(int exponent)
    {
        foreach (var (symbol, e) in Prefixes)
        {
            if (e == exponent)
            {
                return symbol;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(exponent), exponent, "Not an SI prefix exponent between -15 and 12 in steps of 3.");
    }

    /// <summary>
    /// Splits a prefixed symbol such as "nm" or "µA" into its exponent and base unit. "u" is accepted for
    /// micro because config files are typed on keyboards without µ. A symbol that is itself a known
    /// base unit ("m") is never read as a prefix.
    /// </summary>
    public static bool TrySplit(string prefixedSymbol, out int exponent, out PhysicalUnit unit)
    {
        ArgumentNullException.ThrowIfNull(prefixedSymbol);
        if (IsKnownBaseUnit(prefixedSymbol) || prefixedSymbol.Length < 2)
        {
            exponent = 0;
            unit = new PhysicalUnit(prefixedSymbol);
            return true;
        }

        var first = prefixedSymbol[..1];
        if (first == "u" || first == "μ")
        {
            first = "µ";
        }

        foreach (var (symbol, e) in Prefixes)
        {
            if (symbol.Length > 0 && symbol == first)
            {
                exponent = e;
                unit = new PhysicalUnit(prefixedSymbol[1..]);
                return true;
            }
        }

        exponent = 0;
        unit = new PhysicalUnit(prefixedSymbol);
        return true;
    }

    private static bool IsKnownBaseUnit(string symbol) =>
        symbol is "m" or "A" or "V" or "N" or "Hz" or "deg" or "s" or "Pa" or "K" or "mol" or "rad";
}
