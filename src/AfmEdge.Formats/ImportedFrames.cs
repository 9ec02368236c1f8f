using AfmEdge.Core;

namespace AfmEdge.Formats;

/// <summary>Builds Core frames from what a parser found, the same way for every format.</summary>
internal static class ImportedFrames
{
    /// <summary>
    /// Files rarely record a line rate; a frame still needs one so that LineTime stays defined. 1 Hz is
    /// the placeholder, and <c>scan.lineRateHz</c> is absent from the metadata whenever it was not in the file.
    /// </summary>
    public const double UnknownLineRateHz = 1.0;

    public static ScanSettings Scan(int width, int height, double sizeX, double sizeY, double offsetX = 0, double offsetY = 0,
        double lineRateHz = double.NaN, double angleDegrees = 0) => new()
        {
            SizeX = sizeX,
            SizeY = sizeY,
            PixelsX = width,
            PixelsY = height,
            OffsetX = offsetX,
            OffsetY = offsetY,
            LineRateHz = lineRateHz > 0 && double.IsFinite(lineRateHz) ? lineRateHz : UnknownLineRateHz,
            AngleDegrees = double.IsFinite(angleDegrees) && Math.Abs(angleDegrees) <= 360 ? angleDegrees : 0,
        };

    /// <summary>
    /// Splits a channel title into name and direction: "Height-retrace" (AfmEdge), "HeightRetrace" and
    /// "HeightTrace" (Asylum), "Z [bwd]" and "Z (backward)" (Gwyddion's and Nanonis' naming).
    /// </summary>
    public static (string Name, ScanDirection Direction) SplitTitle(string title)
    {
        var t = title.Trim();
        foreach (var (suffix, direction) in Suffixes)
        {
            // "Trace"/"Retrace" are case-sensitive word endings; bracketed tags are matched in any case ("Z (Forward)").
            var comparison = suffix[0] is '[' or '(' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            if (t.Length > suffix.Length && t.EndsWith(suffix, comparison))
            {
                return (t[..^suffix.Length].TrimEnd(), direction);
            }
        }

        return (t.Length == 0 ? "Channel" : t, ScanDirection.Trace);
    }

    private static readonly (string Suffix, ScanDirection Direction)[] Suffixes =
    [
        ("-retrace", ScanDirection.Retrace), ("Retrace", ScanDirection.Retrace), ("Trace", ScanDirection.Trace),
        ("[bwd]", ScanDirection.Retrace), ("[fwd]", ScanDirection.Trace),
        ("(backward)", ScanDirection.Retrace), ("(forward)", ScanDirection.Trace),
    ];

    /// <summary>A descriptor whose key is not yet taken: a second "Height" becomes "Height 2" instead of breaking the frame.</summary>
    public static ChannelDescriptor Unique(ChannelDescriptor descriptor, HashSet<string> takenKeys)
    {
        var candidate = descriptor;
        for (var n = 2; !takenKeys.Add(candidate.Key); n++)
        {
            candidate = descriptor with { Name = descriptor.Name + " " + n.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        }

        return candidate;
    }

    public static void RequirePositiveFinite(double value, string fileName, string field)
    {
        if (!(value > 0 && double.IsFinite(value)))
        {
            throw new AfmFormatException(fileName, field, $"{value} is not a positive finite size.");
        }
    }

    public static void RequireFinite(double value, string fileName, string field)
    {
        if (!double.IsFinite(value))
        {
            throw new AfmFormatException(fileName, field, $"{value} is not a finite number.");
        }
    }

    /// <summary>Rejects pixel counts that cannot be an image; the product is checked against the data length separately.</summary>
    public static void RequirePixels(long value, string fileName, string field)
    {
        if (value is < 1 or > ScanSettings.MaxPixels * 8L)
        {
            throw new AfmFormatException(fileName, field, $"{value} pixels is not between 1 and {ScanSettings.MaxPixels * 8}.");
        }
    }
}
