using System.Runtime.InteropServices;

namespace AfmEdge.Host.Pipeline;

/// <summary>
/// Runs work on a thread of its own at the lowest priority, for what must never take processor time from the pipeline
/// (the plots). On Linux the thread's nice value becomes 19: a thread may always lower its own priority, and the
/// pipeline's threads, at the process's nice value, are then scheduled first whenever the cores are busy. (.NET does not
/// apply <see cref="ThreadPriority"/> on Linux; it is set too, for the systems that do.)
/// </summary>
public static partial class LowPriority
{
    /// <summary>The nice value the thread runs at on Linux: the lowest priority there is.</summary>
    public const int LinuxNice = 19;

    public static Task<T> RunAsync<T>(Func<T> work, string threadName)
    {
        ArgumentNullException.ThrowIfNull(work);
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            if (OperatingSystem.IsLinux())
            {
                // PRIO_PROCESS with a thread id sets that thread's nice value on Linux; should it fail, the work runs all
                // the same, at the process's priority.
                _ = SetPriority(PrioProcess, GetThreadId(), LinuxNice);
            }

            try
            {
                done.SetResult(work());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = threadName,
            Priority = ThreadPriority.Lowest,
        };
        thread.Start();
        return done.Task;
    }

    private const int PrioProcess = 0;

    [LibraryImport("libc", EntryPoint = "setpriority")]
    private static partial int SetPriority(int which, int who, int priority);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetThreadId();
}
