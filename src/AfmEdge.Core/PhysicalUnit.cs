namespace AfmEdge.Core;

/// <summary>
/// An SI base or derived unit as AFM files and Gwyddion name it ("m", "A", "V", "N", "deg", "" for
/// dimensionless). Prefixes are not part of the unit: values are always stored in the base unit and
/// the prefix is chosen only when a value is formatted.
/// </summary>
public readonly record struct PhysicalUnit
{
    public static readonly PhysicalUnit Metre = new("m");
    public static readonly PhysicalUnit Ampere = new("A");
    public static readonly PhysicalUnit Volt = new("V");
    public static readonly PhysicalUnit Newton = new("N");
    public static readonly PhysicalUnit Hertz = new("Hz");
    public static readonly PhysicalUnit Degree = new("deg");
    public static readonly PhysicalUnit Dimensionless = new(string.Empty);

    public PhysicalUnit(string symbol)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        if (symbol.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"Unit symbol '{symbol}' must not contain whitespace.", nameof(symbol));
        }

        Symbol = symbol;
    }

    public string Symbol { get; }

    /// <summary>Degrees and dimensionless values read badly with SI prefixes ("m°"), so they never get one.</summary>
    public bool TakesPrefix => Symbol.Length > 0 && Symbol != Degree.Symbol;

    public override string ToString() => Symbol;
}
