namespace AfmEdge.Analysis;

/// <summary>Two independent pieces of one frame's work (see <see cref="AnalysisOptions.ParallelWithinFrame"/>).</summary>
internal static class FrameWork
{
    /// <summary>
    /// Runs <paramref name="first"/> and <paramref name="second"/>: side by side when <paramref name="parallel"/>, else one after
    /// the other on this thread. A parallel loop rather than tasks: this thread takes one, and the other too when no thread of
    /// the pool is free by then (the host analyses frames on every core), so it never waits on a queued piece. They must write
    /// nothing the other reads, so the results are the same either way.
    /// </summary>
    public static void Both(bool parallel, Action first, Action second)
    {
        if (parallel)
        {
            Parallel.For(0, 2, piece => (piece == 0 ? first : second)());
            return;
        }

        first();
        second();
    }
}
