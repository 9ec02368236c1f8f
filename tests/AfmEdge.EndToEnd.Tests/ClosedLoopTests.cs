using AfmEdge.Cli;
using AfmEdge.Control;
using AfmEdge.Core;
using AfmEdge.Host.Sources;
using Microsoft.Extensions.Time.Testing;

namespace AfmEdge.EndToEnd.Tests;

/// <summary>The closed-loop virtual microscope shared by the CLI and the host: feedback quality, oscillation, line pacing.</summary>
public sealed class ClosedLoopTests
{
    private static readonly ScanSettings Chromosomes = new() { SizeX = 9e-6, SizeY = 9e-6, PixelsX = 48, PixelsY = 48, LineRateHz = 1 };

    [Fact]
    public async Task Scan_DefaultGains_HeightFollowsTheChromosomes()
    {
        using var microscope = new ClosedLoopMicroscope(Chromosomes, new ClosedLoopOptions { Seed = 1 });

        var frame = await ScanAsync(microscope.Engine, microscope.Clock);

        // Chromosomes are 100-300 nm high with steep flanks; the tuned loop stays within about a twentieth of that
        // (an untuned one, integral step 0.4 and setpoint 0.5 V, gave 65 nm here).
        var rms = microscope.HeightRmsError(frame.GetChannel("Height"));
        Assert.InRange(rms, 1e-9, 15e-9);
        Assert.InRange(microscope.HeightRmsError(frame.GetChannel("Height", ScanDirection.Retrace)), 1e-9, 15e-9);
        Assert.Null(microscope.Engine.LastFault);
    }

    [Fact]
    public async Task Scan_GainsTimesTen_OscillationDetectedReportedAndRetracted()
    {
        var error = new StringWriter();

        int code = await AfmEdgeCli.InvokeAsync(["scan", "--pixels", "48", "--size-um", "9", "--gain-scale", "10", "--out", Path.GetTempPath()], new StringWriter(), error, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.RuntimeFailure, code);
        Assert.Contains("fault Oscillation", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Z feedback oscillates", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Z retracted", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Source_Paced_SleepsOneLineTimeBetweenLinesOnly()
    {
        var time = new FakeTimeProvider();
        var sleeps = new List<TimeSpan>();
        var scan = new ScanSettings { SizeX = 5e-6, SizeY = 5e-6, PixelsX = 16, PixelsY = 16, LineRateHz = 10 };
        using var source = new ClosedLoopSource(scan, new ClosedLoopOptions(), pace: true, includeRetrace: true, time, span =>
        {
            sleeps.Add(span);
            time.Advance(span);
        });
        Assert.Equal(["Height", "Current", "Potential", "Adhesion", "Height-retrace", "Current-retrace", "Potential-retrace", "Adhesion-retrace"], source.Channels.Select(c => c.Key));
        var lines = System.Threading.Channels.Channel.CreateUnbounded<ScanLine>();

        await source.RunAsync(lines.Writer, 1, TestContext.Current.CancellationToken);

        // One sleep per line, each the line time (the simulation itself takes no fake time), and the loop's own
        // point deadlines on the virtual clock never saw them.
        Assert.Equal(16, sleeps.Count);
        Assert.All(sleeps, s => Assert.Equal(TimeSpan.FromMilliseconds(100), s));
        Assert.True(source.Microscope.Engine.Statistics.MaxLateness < TimeSpan.FromMilliseconds(1));
        Assert.Equal(16, Drain(lines.Reader).Count);
    }

    [Fact]
    public async Task Source_WithoutRetrace_WritesTraceChannelsOnly()
    {
        var scan = new ScanSettings { SizeX = 5e-6, SizeY = 5e-6, PixelsX = 16, PixelsY = 16, LineRateHz = 10 };
        using var source = new ClosedLoopSource(scan, new ClosedLoopOptions(), pace: false, includeRetrace: false, TimeProvider.System, includeDeflection: true);
        var lines = System.Threading.Channels.Channel.CreateBounded<ScanLine>(4);
        var consumer = Task.Run(() => DrainAsync(lines.Reader), TestContext.Current.CancellationToken);

        await source.RunAsync(lines.Writer, 1, TestContext.Current.CancellationToken);
        lines.Writer.Complete();
        var received = await consumer;

        Assert.Equal(["Height", "Deflection", "Current", "Potential", "Adhesion"], source.Channels.Select(c => c.Key));
        Assert.Equal(16, received.Count);
        Assert.All(received, count => Assert.Equal(5, count));
    }

    [Fact]
    public void Source_RealTimeLoop_IsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new ClosedLoopSource(Chromosomes, new ClosedLoopOptions { RealTime = true }, pace: true, includeRetrace: true, TimeProvider.System));

        Assert.Contains("virtual clock", e.Message, StringComparison.Ordinal);
    }

    private static async Task<Frame> ScanAsync(ScanEngine engine, TimeProvider clock)
    {
        var lines = System.Threading.Channels.Channel.CreateUnbounded<ScanLine>();
        await engine.RunAsync(lines.Writer, 1, TestContext.Current.CancellationToken);
        lines.Writer.Complete();
        var assembler = new FrameAssembler(engine.Channels, engine.Scan, clock);
        Frame? frame = null;
        await foreach (var line in lines.Reader.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            if (assembler.TryAdd(line, out var done))
            {
                frame = done;
            }
        }

        return Assert.IsType<Frame>(frame);
    }

    private static List<int> Drain(System.Threading.Channels.ChannelReader<ScanLine> reader)
    {
        var counts = new List<int>();
        while (reader.TryRead(out var line))
        {
            counts.Add(line.ChannelCount);
            line.Return();
        }

        return counts;
    }

    private static async Task<List<int>> DrainAsync(System.Threading.Channels.ChannelReader<ScanLine> reader)
    {
        var counts = new List<int>();
        await foreach (var line in reader.ReadAllAsync())
        {
            counts.Add(line.ChannelCount);
            line.Return();
        }

        return counts;
    }
}
