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
