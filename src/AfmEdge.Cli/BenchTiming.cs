using System.Diagnostics;

namespace AfmEdge.Cli;

/// <summary>How every `afmedge bench` figure is taken: warm up until tiered JIT settles, then time repeated runs
/// within a budget and report the median and the minimum (the minimum is the steadier figure on a busy machine).</summary>
internal static class BenchTiming
{
    /// <param name="warmedUp">Called once between the warm-up and the timed runs (e.g. to read counters the figure is taken over).</param>
    public static (double MedianMs, double MinMs) Measure(Action run, double budgetMs, int minimumRuns = 5, int maximumRuns = 1000, Action? warmedUp = null)
    {
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < 40 && (i < 3 || warm.Elapsed.TotalMilliseconds < budgetMs / 4); i++)
        {
            run();
        }

        warmedUp?.Invoke();
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < minimumRuns || (total.Elapsed.TotalMilliseconds < budgetMs && times.Count < maximumRuns))
        {
            var start = Stopwatch.GetTimestamp();
            run();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        var sorted = times.Order().ToArray();
        return (ProcessCommand.Median(sorted), sorted[0]);
    }

    /// <summary>
    /// The process's minor page faults so far (field 10 of /proc/self/stat: a first touch of a freshly committed page),
    /// or null where there is no /proc. .NET has no API for them, and on a VM each costs tens of microseconds.
    /// </summary>
    public static long? MinorFaults()
    {
        string stat;
        try
        {
            stat = File.ReadAllText("/proc/self/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may hold spaces: count the fields after its ')', from field 3.
        var fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 10 - 3 && long.TryParse(fields[10 - 3], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var faults)
            ? faults
            : null;
    }
}
