using System.Globalization;

namespace AfmEdge.Formats.Nanoscope;

/// <summary>
/// One parameter value of a Nanoscope header, e.g. <c>V [Sens. Zscan] (0.006693481 V/LSB) 438.6572 V</c>:
/// an optional type letter, an optional soft-scale reference in brackets, an optional hard scale in
/// parentheses, then the hard value and its unit. Plain entries ("2 2 ~m") have only the last part.
/// </summary>
internal sealed record NanoscopeValue(string? SoftScale, double? HardScale, string HardScaleUnit, double? HardValue, string HardValueUnit, string Text)
{
    public static NanoscopeValue Parse(string text, bool typed)
    {
        var rest = text.Trim();
        if (typed && rest.Length >= 2 && rest[0] is 'V' or 'C' or 'S' && rest[1] == ' ')
        {
            rest = rest[2..].TrimStart();
        }

        string? soft = null;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close > 0)
            {
                soft = rest[1..close].Trim();
                rest = rest[(close + 1)..].TrimStart();
            }
        }

        double? hardScale = null;
        var hardScaleUnit = string.Empty;
        if (rest.StartsWith('('))
        {
            var close = rest.IndexOf(')', StringComparison.Ordinal);
            if (close > 0)
            {
                (hardScale, hardScaleUnit) = SplitNumber(rest[1..close]);
                rest = rest[(close + 1)..].TrimStart();
            }
        }

        var (hardValue, hardValueUnit) = SplitNumber(rest);
        return new NanoscopeValue(soft, hardScale, hardScaleUnit, hardValue, hardValueUnit, rest);
    }

    /// <summary>"438.6572 V" → (438.6572, "V"); "Height" → (null, "Height").</summary>
    public static (double? Value, string Unit) SplitNumber(string text)
    {
        var t = text.Trim();
        var space = t.IndexOf(' ', StringComparison.Ordinal);
        var number = space < 0 ? t : t[..space];
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return (value, space < 0 ? string.Empty : t[(space + 1)..].Trim());
        }

        return (null, t);
    }
}
