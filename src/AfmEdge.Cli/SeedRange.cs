using System.Globalization;

namespace AfmEdge.Cli;

/// <summary>An inclusive range of specimen seeds, written "A-B" (or "A" for one seed).</summary>
internal readonly record struct SeedRange(long First, long Last)
{
    public long Count => Last - First + 1;

    public IEnumerable<long> Seeds()
    {
        for (var s = First; s <= Last; s++)
        {
            yield return s;
        }
    }

    public bool Overlaps(SeedRange other) => First <= other.Last && other.First <= Last;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{First}-{Last}");

    /// <summary>Parses "A-B" with 0 ≤ A ≤ B; the error names <paramref name="field"/>.</summary>
    public static bool TryParse(string? text, string field, out SeedRange range, out string error)
    {
        range = default;
        error = string.Empty;
        var parts = (text ?? string.Empty).Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length is < 1 or > 2
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            || !long.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            || last < first)
        {
            error = $"{field} = '{text}': must be a seed range A-B with 0 <= A <= B, e.g. 1000-1599.";
            return false;
        }

        range = new SeedRange(first, last);
        return true;
    }
}
