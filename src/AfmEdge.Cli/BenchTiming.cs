using System.Diagnostics;

namespace AfmEdge.Cli;

/// <summary>How every `afmedge bench` figure is taken: warm up until tiered JIT settles, then time repeated runs
/// within a budget and report the median and the minimum (the minimum is the steadier figure on a busy machine).</summary>
internal static class BenchTiming
{
    public static (double MedianMs, double MinMs) Measure(Action run, double budgetMs, int minimumRuns = 5, int maximumRuns = 1000)
    {
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < 40 && (i < 3 || warm.Elapsed.TotalMilliseconds < budgetMs / 4); i++)
        {
            run();
        }

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
}
