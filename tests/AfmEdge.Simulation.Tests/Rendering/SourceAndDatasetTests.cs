using AfmEdge.Core;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;
using Xunit;

namespace AfmEdge.Simulation.Tests.Rendering;

public sealed class SourceAndDatasetTests
{
    private static readonly VirtualMicroscopeOptions Small = new()
    {
        Seed = 9,
        Specimen = Specimens.TestScans.QuickSpecimen,
        Scan = new ScanSettings { SizeX = 20e-6, SizeY = 20e-6, PixelsX = 64, PixelsY = 48, LineRateHz = 50, Overscan = 0.05 },
        PaceToLineRate = false,
    };

    [Fact]
    public async Task RunAsync_TwoFrames_LinesAssembleIntoTheRenderedFrames()
    {
        var source = new VirtualMicroscopeSource(Small);
        var lines = System.Threading.Channels.Channel.CreateBounded<ScanLine>(16);
        var run = source.RunAsync(lines.Writer, 2, TestContext.Current.CancellationToken);
        var assembler = new FrameAssembler(source.Channels, source.Scan, TimeProvider.System);
        var frames = new List<Frame>();
        var consume = Task.Run(async () =>
        {
            await foreach (var line in lines.Reader.ReadAllAsync(TestContext.Current.CancellationToken))
            {
                if (assembler.TryAdd(line, out var frame))
                {
                    frames.Add(frame!);
                }
            }
        }, TestContext.Current.CancellationToken);
        await run;
        lines.Writer.Complete();
        await consume;

        Assert.Equal(2, frames.Count);
        Assert.Equal(8, source.Channels.Count);
        Assert.Equal(["Height", "Current", "Potential", "Adhesion", "Height-retrace", "Current-retrace", "Potential-retrace", "Adhesion-retrace"],
            source.Channels.Select(c => c.Key));
        for (var index = 0; index < 2; index++)
        {
            var expected = source.RenderFrame(index);
            Assert.Equal(index, frames[index].Id.Sequence);
            for (var c = 0; c < expected.Channels.Count; c++)
            {
                Assert.Equal(expected.Channels[c].Unit, frames[index].Channels[c].Unit);
                Assert.True(expected.Channels[c].Data.SequenceEqual(frames[index].Channels[c].Data));
            }
        }

        // The same specimen drifts on between frames, and its noise differs.
        Assert.False(frames[0].Channels[0].Data.SequenceEqual(frames[1].Channels[0].Data));
    }

    [Fact]
    public async Task RunAsync_Paced_HandsLinesOutAtTheLineRate()
    {
        var options = Small with
        {
            Scan = Small.Scan with { PixelsX = 16, PixelsY = 16, LineRateHz = 400 },
            PaceToLineRate = true,
            Clean = true,
        };
        var source = new VirtualMicroscopeSource(options);
        var lines = System.Threading.Channels.Channel.CreateUnbounded<ScanLine>();
        _ = source.Specimen;

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await source.RunAsync(lines.Writer, 1, TestContext.Current.CancellationToken);
        var elapsed = watch.Elapsed;

        var count = 0;
        while (lines.Reader.TryRead(out var line))
        {
            line.Return();
            count++;
        }

        Assert.Equal(16, count);

        // 16 lines at 400 lines/s take 40 ms (timer resolution allowing a few ms less).
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(34), $"{elapsed.TotalMilliseconds:F1} ms");
    }

    [Fact]
    public void Constructor_InvalidOptions_NamesTheSection()
    {
        var options = Small with { Instrument = Small.Instrument with { Tip = Small.Instrument.Tip with { ApexRadius = 0 } } };

        var exception = Assert.Throws<ArgumentException>(() => new VirtualMicroscopeSource(options));
        Assert.Contains("Instrument.Tip.ApexRadius = 0", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_SameIndex_SamePairWithHalfResolutionInput()
    {
        var generator = new DatasetGenerator(new DatasetOptions { BaseSeed = 5 });
        var a = generator.Generate(3);
        var b = new DatasetGenerator(new DatasetOptions { BaseSeed = 5 }).Generate(3);
        var other = generator.Generate(4);

        Assert.Equal(128, a.HighRes.Width);
        Assert.Equal(64, a.LowRes.Width);
        Assert.Equal(a.HighRes.SizeX, a.LowRes.SizeX);
        Assert.Equal(SimulatedChannels.Names, a.LowRes.Channels.Select(c => c.Name));
        Assert.Equal(SimulatedChannels.Names, a.HighRes.Channels.Select(c => c.Name));
        Assert.Equal("true", a.HighRes.Metadata["clean"]);
        Assert.Equal("false", a.LowRes.Metadata["clean"]);
        Assert.Equal(a.Seed, b.Seed);
        Assert.NotEqual(a.Seed, other.Seed);
        for (var c = 0; c < 4; c++)
        {
            Assert.True(a.LowRes.Channels[c].Data.SequenceEqual(b.LowRes.Channels[c].Data));
            Assert.True(a.HighRes.Channels[c].Data.SequenceEqual(b.HighRes.Channels[c].Data));
        }
    }

    [Fact]
    public void Generate_LowResInput_ResemblesDownsampledTarget()
    {
        var pair = new DatasetGenerator(new DatasetOptions { BaseSeed = 2 }).Generate(0);
        var high = pair.HighRes.GetChannel("Height").Data;
        var low = pair.LowRes.GetChannel("Height").Data;
        var target = new double[64 * 64];
        var input = new double[64 * 64];
        for (var j = 0; j < 64; j++)
        {
            for (var i = 0; i < 64; i++)
            {
                target[(j * 64) + i] = (high[(2 * j * 128) + (2 * i)] + high[(2 * j * 128) + (2 * i) + 1]
                    + high[(((2 * j) + 1) * 128) + (2 * i)] + high[(((2 * j) + 1) * 128) + (2 * i) + 1]) / 4.0;
                input[(j * 64) + i] = low[(j * 64) + i];
            }
        }

        // Degraded (tip, feedback, drift, tilt, noise) but the same chromosomes in the same places.
        Assert.InRange(TestScansPearson(input, target), 0.8, 0.999);
    }

    private static double TestScansPearson(double[] a, double[] b) => Specimens.TestScans.Pearson(a, b);
}
