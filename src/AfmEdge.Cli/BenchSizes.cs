using System.Globalization;

namespace AfmEdge.Cli;

/// <summary>The comma-separated square sizes that `bench process` and `bench memory` take with --sizes.</summary>
internal static class BenchSizes
{
    public const int Min = 16;
    public const int Max = 8192;

    /// <summary>The sizes in <paramref name="list"/>, or null with <paramref name="problem"/> saying what is wrong.</summary>
    public static int[]? Parse(string list, out string problem)
    {
        var sizes = new List<int>();
        foreach (var part in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size < Min || size > Max)
            {
                problem = $"'{part}' is not a size from {Min} to {Max}";
                return null;
            }

            sizes.Add(size);
        }

        problem = sizes.Count == 0 ? "no size given" : string.Empty;
        return sizes.Count == 0 ? null : [.. sizes];
    }
}
