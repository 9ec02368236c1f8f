using System.Runtime.ExceptionServices;

namespace AfmEdge.Inference.Native;

/// <summary>Work that a <see cref="WorkerGang"/> splits: each participant runs its share of the current step.</summary>
internal interface IGangWork
{
    void Execute(int worker, int workers);
}

/// <summary>
/// A fixed set of threads, started once, that run one step of work together with the calling thread and return
/// when all have finished. Unlike Parallel.For it allocates nothing per step (no tasks, closures or loop state), which
/// is what keeps an engine's steady state at zero bytes per tile.
/// </summary>
internal sealed class WorkerGang : IDisposable
{
    private readonly Thread[] _threads;
    // SemaphoreSlim, not ManualResetEventSlim: the latter creates its lock object lazily the first time a wait
    // really blocks, which depends on scheduling and showed up as 24 stray bytes inside a step.
    private readonly SemaphoreSlim[] _start;
    private readonly SemaphoreSlim _done = new(0);
    private IGangWork? _work;
    private int _pending;
    private Exception? _failure;
    private volatile bool _disposed;
    private long _workerAllocated;

    /// <param name="workers">Participants including the caller; 1 runs everything on the caller.</param>
    public WorkerGang(int workers, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        Workers = workers;
        _threads = new Thread[workers - 1];
        _start = new SemaphoreSlim[workers - 1];
        for (var i = 0; i < _threads.Length; i++)
        {
            var index = i + 1;
            _start[i] = new SemaphoreSlim(0);
            _threads[i] = new Thread(() => Loop(index)) { IsBackground = true, Name = $"{name} worker {index}" };
            _threads[i].Start();
        }
    }

    public int Workers { get; }

    /// <summary>Bytes the gang's own threads have allocated while running work: the zero-allocation check's other half.</summary>
    public long WorkerAllocatedBytes => Interlocked.Read(ref _workerAllocated);

    /// <summary>Runs <paramref name="work"/> on every participant (the caller is participant 0) and waits for all.</summary>
    public void Run(IGangWork work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Workers == 1)
        {
            work.Execute(0, 1);
            return;
        }

        _work = work;
        _failure = null;
        Volatile.Write(ref _pending, Workers);
        foreach (var start in _start)
        {
            start.Release();
        }

        Execute(0);
        _done.Wait();
        _work = null;
        if (_failure is { } failure)
        {
            ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var start in _start)
        {
            start.Release();
        }

        foreach (var thread in _threads)
        {
            thread.Join();
        }

        foreach (var start in _start)
        {
            start.Dispose();
        }

        _done.Dispose();
    }

    private void Loop(int index)
    {
        var start = _start[index - 1];
        while (true)
        {
            start.Wait();
            if (_disposed)
            {
                return;
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            Execute(index);
            Interlocked.Add(ref _workerAllocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    private void Execute(int index)
    {
        try
        {
            _work!.Execute(index, Workers);
        }
#pragma warning disable CA1031 // The failure is rethrown on the calling thread; a worker thread must not die with it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Interlocked.CompareExchange(ref _failure, e, null);
        }

        if (Interlocked.Decrement(ref _pending) == 0)
        {
            _done.Release();
        }
    }
}
