namespace AfmEdge.Core;

/// <summary>
/// The buffers of <see cref="ScanLine"/>s, one free list per buffer length. ArrayPool.Shared would not do: lines are
/// returned by consumers on whichever pool thread runs them, its per-thread slots keep some buffers, and its per-core
/// stacks hold only a few per size, dropping the rest — so a consumer that fell a dozen lines behind made the scan
/// loop allocate again. Here every returned buffer comes back to the one list (up to <see cref="MaxBuffersPerLength"/>),
/// so once as many buffers exist as lines are ever in flight, renting allocates nothing.
/// </summary>
public static class ScanLinePool
{
    /// <summary>Buffers kept per length: more than the pipeline's line queue holds (2048 by default).</summary>
    public const int MaxBuffersPerLength = 4096;

    private static readonly Dictionary<int, Stack<float[]>> FreeByLength = [];

    // A Monitor: System.Threading.Lock allocates its wait event the first time a wait is contended, which the
    // scan thread and a consumer do now and then.
    private static readonly object Gate = new();

    public static float[] Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        lock (Gate)
        {
            if (FreeByLength.TryGetValue(length, out var free) && free.Count > 0)
            {
                return free.Pop();
            }
        }

        return new float[length];
    }

    public static void Return(float[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        lock (Gate)
        {
            if (!FreeByLength.TryGetValue(buffer.Length, out var free))
            {
                free = new Stack<float[]>();
                FreeByLength[buffer.Length] = free;
            }

            if (free.Count < MaxBuffersPerLength)
            {
                free.Push(buffer);
            }
        }
    }
}
