using System.Threading.Channels;
using AfmEdge.Host.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;

namespace AfmEdge.EndToEnd.Tests;

public sealed class TransformStageTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Run_SeveralWorkers_ResultsLeaveInArrivalOrderWithoutRejectedOrTransformingPassedOn(int workers)
    {
        var input = Channel.CreateUnbounded<int>();
        var output = Channel.CreateUnbounded<int>();
        using var stage = new SquaringStage(input.Reader, output.Writer, workers);
        await stage.StartAsync(TestContext.Current.CancellationToken);
        for (var i = 0; i < 20; i++)
        {
            await input.Writer.WriteAsync(i, TestContext.Current.CancellationToken);
        }

        input.Writer.Complete();
        var results = new List<int>();
        await foreach (var r in output.Reader.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            results.Add(r);
        }

        await stage.ExecuteTask!;

        // 7 and 13 are rejected; multiples of 5 are passed on as they are; the rest squared. Earlier items sleep longer,
        // so with several workers later ones finish first and must wait for them.
        var expected = Enumerable.Range(0, 20).Where(i => i is not (7 or 13)).Select(i => i % 5 == 0 ? -i : i * i).ToArray();
        Assert.Equal(expected, results);
        Assert.InRange(stage.MostAtOnce, workers > 1 ? 2 : 1, workers);
        Assert.DoesNotContain(stage.Transformed, i => i % 5 == 0);
    }

    [Fact]
    public async Task Run_SeveralWorkers_ResultLeavesBeforeTheNextItemArrives()
    {
        var input = Channel.CreateUnbounded<int>();
        var output = Channel.CreateUnbounded<int>();
        using var stage = new SquaringStage(input.Reader, output.Writer, workers: 2);
        await stage.StartAsync(TestContext.Current.CancellationToken);
        await input.Writer.WriteAsync(18, TestContext.Current.CancellationToken);

        // No second item comes: the first result must not wait for one (a slow scan would otherwise hold every summary back).
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        patience.CancelAfter(TimeSpan.FromSeconds(30));
        Assert.Equal(18 * 18, await output.Reader.ReadAsync(patience.Token));

        input.Writer.Complete();
        await stage.ExecuteTask!;
        Assert.False(await output.Reader.WaitToReadAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Run_AWorkerFinishesBeforeAnOlderItem_TakesTheNextItemWhileTheOlderRuns()
    {
        var input = Channel.CreateUnbounded<int>();
        var output = Channel.CreateUnbounded<int>();
        using var stage = new GatedStage(input.Reader, output.Writer);
        await stage.StartAsync(TestContext.Current.CancellationToken);
        for (var i = 0; i < 4; i++)
        {
            await input.Writer.WriteAsync(i, TestContext.Current.CancellationToken);
        }

        // Item 0 is held; 1 finishes at once, so its worker must go on to 2 and 3 while 0 still runs (before, it waited
        // for 0, and a core idled while the queue before the stage was full).
        Assert.True(stage.Started(3).Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken), "item 3 never started while item 0 ran");
        Assert.False(output.Reader.TryRead(out _));
        stage.ReleaseFirst();
        input.Writer.Complete();
        var results = new List<int>();
        await foreach (var r in output.Reader.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            results.Add(r);
        }

        await stage.ExecuteTask!;
        Assert.Equal([0, 10, 20, 30], results);
    }

    private sealed class GatedStage(ChannelReader<int> input, ChannelWriter<int> output)
        : TransformStage<int, int>(input, output, new PipelineMetrics(TimeProvider.System), NullLogger.Instance)
    {
        private readonly ManualResetEventSlim _first = new();
        private readonly ManualResetEventSlim[] _started = [new(), new(), new(), new()];

        protected override string StageName => "Gated";

        protected override int Workers => 2;

        public ManualResetEventSlim Started(int item) => _started[item];

        public void ReleaseFirst() => _first.Set();

        protected override int Transform(int item)
        {
            _started[item].Set();
            if (item == 0)
            {
                _first.Wait(TimeSpan.FromSeconds(30));
            }

            return 10 * item;
        }

        protected override string Describe(int item) => "item " + item;

        public override void Dispose()
        {
            _first.Set();
            base.Dispose();
            _first.Dispose();
            foreach (var started in _started)
            {
                started.Dispose();
            }
        }
    }

    private sealed class SquaringStage(ChannelReader<int> input, ChannelWriter<int> output, int workers)
        : TransformStage<int, int>(input, output, new PipelineMetrics(TimeProvider.System), NullLogger.Instance)
    {
        private int _running;
        private int _mostAtOnce;

        public System.Collections.Concurrent.ConcurrentBag<int> Transformed { get; } = [];

        public int MostAtOnce => Volatile.Read(ref _mostAtOnce);

        protected override string StageName => "Squaring";

        protected override int Workers => workers;

        protected override bool TryPassOn(int item, out int passed)
        {
            passed = -item;
            return item % 5 == 0;
        }

        protected override int Transform(int item)
        {
            Transformed.Add(item);
            var running = Interlocked.Increment(ref _running);
            InterlockedMax(ref _mostAtOnce, running);
            try
            {
                // Hold each item until another is in flight too (past 17, the tail, alone), so later ones can finish first.
                SpinWait.SpinUntil(() => Volatile.Read(ref _running) >= Math.Min(workers, 2) || item > 17, TimeSpan.FromSeconds(5));
                Thread.Sleep((20 - item) % 4);
                return item is 7 or 13 ? throw new ArgumentException($"item {item} is bad") : item * item;
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }

        protected override string Describe(int item) => "item " + item;

        private static void InterlockedMax(ref int target, int value)
        {
            var seen = Volatile.Read(ref target);
            while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is var now && now != seen)
            {
                seen = now;
            }
        }
    }
}
