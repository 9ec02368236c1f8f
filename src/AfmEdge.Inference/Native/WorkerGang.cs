using System.Runtime.ExceptionServices;

namespace AfmEdge.Inference.Native;

/// <summary>Work that a <see cref="WorkerGang"/> splits: items (rows, block rows) of the current step.</summary>
internal interface IGangWork
{
    /// <summary>Runs items [<paramref name="first"/>, <paramref name="end"/>) of the current step on participant <paramref name="worker"/>.</summary>
    void Execute(int worker, int first, int end);
}

/// <summary>
/// A fixed set of threads, started once, that share the items of one step of work with the calling thread. Unlike
/// Parallel.For it allocates nothing per step (no tasks, closures or loop state), which is what keeps an engine's
/// steady state at zero bytes per tile.
/// <para>
/// Participants claim runs of items from a shared ticket, and the step ends when every item is done, not when every
/// participant has checked in: on a loaded machine a worker the OS has not yet scheduled costs the caller nothing,
/// where waiting for it to wake cost a scheduling delay at each of the engine's ten steps per tile. A worker that wakes
/// late joins whatever step is current. The ticket holds the step's generation beside the next item and is claimed
/// by compare-exchange, so a late worker can never take an item of a later step for one of the step it woke for.
/// </para>
/// </summary>
internal sealed class WorkerGang : IDisposable
{
    private readonly Thread[] _threads;
    // SemaphoreSlim, not ManualResetEventSlim: the latter creates its lock object lazily the first time a wait
    // really blocks, which depends on scheduling and showed up as 24 stray bytes inside a step.
    private readonly SemaphoreSlim[] _start;
    private readonly int[] _woken;
    private readonly SemaphoreSlim _done = new(0);
    private IGangWork? _work;
    private long _ticket;
    private int _items;
    private int _grain;
    private int _completed;
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
        _woken = new int[workers - 1];
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

    /// <summary>
    /// Runs items 0 … <paramref name="items"/> − 1 of <paramref name="work"/>, claimed <paramref name="grain"/> at a time
    /// by whichever participants are running (the caller is participant 0), and returns when all are done.
    /// </summary>
    public void Run(IGangWork work, int items, int grain)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(grain, 1);
        if (items <= 0)
        {
            return;
        }

        if (Workers == 1)
        {
            work.Execute(0, 0, items);
            return;
        }

        _work = work;
        _items = items;
        _grain = grain;
        _completed = 0;
        _failure = null;
        var generation = (int)(Volatile.Read(ref _ticket) >> 32) + 1;
        Volatile.Write(ref _ticket, (long)generation << 32);
        for (var i = 0; i < _start.Length; i++)
        {
            // A worker still on its way to an earlier wake-up will see this step when it gets there.
            if (Interlocked.Exchange(ref _woken[i], 1) == 0)
            {
                _start[i].Release();
            }
        }

        if (!Participate(0, generation))
        {
            _done.Wait();
        }

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

            // A full fence: the ticket read below must not move before this reset, or a step starting in between would
            // find the worker marked awake and not wake it, and the worker would miss that step.
            Interlocked.Exchange(ref _woken[index - 1], 0);
            var before = GC.GetAllocatedBytesForCurrentThread();
            if (Participate(index, (int)(Volatile.Read(ref _ticket) >> 32)))
            {
                Interlocked.Add(ref _workerAllocated, GC.GetAllocatedBytesForCurrentThread() - before);
                _done.Release();
            }
            else
            {
                Interlocked.Add(ref _workerAllocated, GC.GetAllocatedBytesForCurrentThread() - before);
            }
        }
    }

    /// <summary>Claims and runs items of step <paramref name="generation"/> until none is left; true when this participant finished the step's last.</summary>
    private bool Participate(int worker, int generation)
    {
        while (true)
        {
            var ticket = Volatile.Read(ref _ticket);
            var next = (int)ticket;
            var items = _items;
            if ((int)(ticket >> 32) != generation || next >= items)
            {
                return false;
            }

            var end = Math.Min(next + _grain, items);
            if (Interlocked.CompareExchange(ref _ticket, ticket + (end - next), ticket) != ticket)
            {
                continue;
            }

            try
            {
                _work!.Execute(worker, next, end);
            }
#pragma warning disable CA1031 // The failure is rethrown on the calling thread; a worker thread must not die with it.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Interlocked.CompareExchange(ref _failure, e, null);
            }

            if (Interlocked.Add(ref _completed, end - next) == items)
            {
                return true;
            }
        }
    }
}
