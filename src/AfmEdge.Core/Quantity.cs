using System.Globalization;

namespace AfmEdge.Core;

/// <summary>A value in a base SI unit, formatted and parsed with SI prefixes ("20 µm", "1.5 nA").</summary>
public readonly record struct Quantity(double Value, PhysicalUnit Unit)
{
    public override string ToString() => Format(3);

    /// <summary>Formats with an engineering prefix and <paramref name="significantDigits"/> significant digits.</summary>
    public string Format(int significantDigits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(significantDigits, 1);
        if (!Unit.TakesPrefix)
        {
            return Join(Value.ToString("G" + significantDigits, CultureInfo.InvariantCulture), Unit.Symbol);
        }

        var exponent = SiPrefix.EngineeringExponent(Value);
        var mantissa = Value / Math.Pow(10, exponent);
        return Join(mantissa.ToString("G" + significantDigits, CultureInfo.InvariantCulture), SiPrefix.SymbolFor(exponent) + Unit.Symbol);
    }

    /// <summary>Parses "20 um", "20µm", "1.5e-9 A" or "0.3" (dimensionless).</summary>
    public static Quantity Parse(string text)
    {
        if (TryParse(text, out var quantity, out var error))
        {
            return quantity;
        }

        throw new FormatException(error);
    }

    public static bool TryParse(string? text, out Quantity quantity, out string error)
    {
        quantity = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "A quantity needs a number, e.g. \"20 µm\".";
            return false;
        }

        var trimmed = text.Trim();
        var split = 0;
        while (split < trimmed.Length && (char.IsDigit(trimmed[split]) || trimmed[split] is '.' or '-' or '+' or 'e' or 'E'))
        {
            // An 'e' only belongs to the number when a digit or sign follows ("1e-9"), not in "5 eV".
            if (trimmed[split] is 'e' or 'E' && (split + 1 >= trimmed.Length || !(char.IsDigit(trimmed[split + 1]) || trimmed[split + 1] is '-' or '+')))
            {
                break;
            }

            split++;
        }

        if (!double.TryParse(trimmed.AsSpan(0, split), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            error = $"'{text}' does not start with a number.";
            return false;
        }

        var symbol = trimmed[split..].Trim();
        SiPrefix.TrySplit(symbol, out var exponent, out var unit);
        quantity = new Quantity(number * Math.Pow(10, exponent), unit);
        error = string.Empty;
        return true;
    }

    private static string Join(string number, string symbol) => symbol.Length == 0 ? number : number + " " + symbol;
}
