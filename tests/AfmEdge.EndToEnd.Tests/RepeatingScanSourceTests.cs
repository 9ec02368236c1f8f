using AfmEdge.Core;
using AfmEdge.Host.Options;
using AfmEdge.Host.Sources;
using AfmEdge.Simulation.TestPattern;

namespace AfmEdge.EndToEnd.Tests;

public sealed class RepeatingScanSourceTests
{
    private static readonly ScanSettings Scan = new() { SizeX = 1e-6, SizeY = 1e-6, PixelsX = 16, PixelsY = 12, LineRateHz = 1000 };

    private static TestPatternSource Pattern() => new(Scan, new TestPatternOptions(), TimeProvider.System, pace: false);

    [Fact]
    public async Task RunAsync_RepeatAfter2_ScansTwoFramesThenReplaysThemWithTheNumbersGoingOn()
    {
        var scanned = await FramesAsync(Pattern(), 2);
        var repeating = new RepeatingScanSource(Pattern(), repeatAfter: 2, pace: false, TimeProvider.System);

        var frames = await FramesAsync(repeating, 5);

        Assert.Equal([0L, 1, 2, 3, 4], frames.Select(f => f.Id.Sequence));
        // The test pattern's frames differ (noise per frame), so equal samples mean replayed ones.
        Assert.NotEqual(Samples(scanned[0]), Samples(scanned[1]));
        Assert.Equal(Samples(scanned[0]), Samples(frames[0]));
        Assert.Equal(Samples(scanned[1]), Samples(frames[1]));
        Assert.Equal(Samples(scanned[0]), Samples(frames[2]));
        Assert.Equal(Samples(scanned[1]), Samples(frames[3]));
        Assert.Equal(Samples(scanned[0]), Samples(frames[4]));
        Assert.Equal(repeating.Channels, Pattern().Channels);
    }

    [Fact]
    public async Task RunAsync_SecondRun_ReplaysFromFrameZeroWithoutScanning()
    {
        var inner = new CountingSource(Pattern());
        var repeating = new RepeatingScanSource(inner, repeatAfter: 2, pace: false, TimeProvider.System);
        var first = await FramesAsync(repeating, 3);

        var second = await FramesAsync(repeating, 3);

        Assert.Equal(1, inner.Runs);
        Assert.Equal([0L, 1, 2], second.Select(f => f.Id.Sequence));
        Assert.Equal(first.Select(Samples), second.Select(Samples));
    }

    private sealed class CountingSource(IScanSource inner) : IScanSource
    {
        public int Runs { get; private set; }

        public IReadOnlyList<ChannelDescriptor> Channels => inner.Channels;

        public ScanSettings Scan => inner.Scan;

        public Task RunAsync(System.Threading.Channels.ChannelWriter<ScanLine> lines, long frameCount, CancellationToken cancellationToken)
        {
            Runs++;
            return inner.RunAsync(lines, frameCount, cancellationToken);
        }
    }

    [Fact]
    public async Task RunAsync_FewerFramesThanRepeatAfter_OnlyScans()
    {
        var frames = await FramesAsync(new RepeatingScanSource(Pattern(), repeatAfter: 10, pace: false, TimeProvider.System), 3);

        var scanned = await FramesAsync(Pattern(), 3);
        Assert.Equal(scanned.Select(Samples), frames.Select(Samples));
    }

    [Fact]
    public async Task RunAsync_Unbounded_ReplaysUntilCancelled()
    {
        var source = new RepeatingScanSource(Pattern(), repeatAfter: 1, pace: false, TimeProvider.System);
        var lines = System.Threading.Channels.Channel.CreateBounded<ScanLine>(4);
        using var cancel = new CancellationTokenSource();
        var run = source.RunAsync(lines.Writer, 0, cancel.Token);
        var taken = 0;
        await foreach (var line in lines.Reader.ReadAllAsync(CancellationToken.None))
        {
            line.Return();
            if (++taken == 5 * Scan.PixelsY)
            {
                break;
            }
        }

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(5 * Scan.PixelsY, taken);
    }

    [Fact]
    public void Validate_RepeatAfterOnTheBoard_Refused()
    {
        var options = new AfmEdgeOptions { Source = new SourceOptions { Kind = SourceKind.TestPattern, RepeatAfter = -1 } };
        Assert.Contains(AfmEdgeOptionsValidator.Errors(options), e => e.StartsWith("AfmEdge:Source:RepeatAfter = -1", StringComparison.Ordinal));

        options.Source.Kind = SourceKind.Board;
        options.Source.RepeatAfter = 3;
        Assert.Contains(AfmEdgeOptionsValidator.Errors(options, _ => true), e => e.StartsWith("AfmEdge:Source:RepeatAfter = 3: a real instrument's frames are never replayed", StringComparison.Ordinal));
    }

    private static float[] Samples(Frame frame) => [.. frame.Channels.SelectMany(c => c.Data.ToArray())];

    private static async Task<Frame[]> FramesAsync(IScanSource source, long count)
    {
        var lines = System.Threading.Channels.Channel.CreateUnbounded<ScanLine>();
        await source.RunAsync(lines.Writer, count, CancellationToken.None);
        lines.Writer.Complete();
        var assembler = new FrameAssembler(source.Channels, source.Scan, TimeProvider.System);
        var frames = new List<Frame>();
        await foreach (var line in lines.Reader.ReadAllAsync())
        {
            if (assembler.TryAdd(line, out var frame))
            {
                frames.Add(frame!);
            }
        }

        return [.. frames];
    }
}
