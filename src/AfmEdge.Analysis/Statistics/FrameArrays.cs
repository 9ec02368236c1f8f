namespace AfmEdge.Analysis.Statistics;

/// <summary>
/// The analysis's frame-sized results (leveled height, instance ids, labels), kept for the next frame once a caller
/// says it is done with an analysis (<see cref="ChromosomeAnalysis.Recycle"/>). Fresh, they were most of what the host's
/// analysis allocated: about 2.3 MB a 512² frame, each page faulted in and each array zeroed by the collector. Unlike
/// <see cref="AnalysisPool{T}"/>, an array comes back exactly as long as asked, since its users read its length.
/// </summary>
internal static class FrameArrays<T>
{
    // Enough for a few frames analysed at once; arrays of another length (a new frame size) are dropped.
    private const int Kept = 8;
    private static readonly Stack<T[]> Free = new(Kept);
    private static readonly Lock Gate = new();

    /// <summary>An array of exactly <paramref name="length"/> elements, zeroed when <paramref name="clear"/>.</summary>
    public static T[] Rent(int length, bool clear)
    {
        lock (Gate)
        {
            while (Free.TryPop(out var array))
            {
                if (array.Length == length)
                {
                    if (clear)
                    {
                        Array.Clear(array);
                    }

                    return array;
                }
            }
        }

        return clear ? new T[length] : GC.AllocateUninitializedArray<T>(length);
    }

    public static void Return(T[] array)
    {
        lock (Gate)
        {
            if (Free.Count < Kept)
            {
                Free.Push(array);
            }
        }
    }
}
