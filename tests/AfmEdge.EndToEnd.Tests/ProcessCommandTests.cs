using AfmEdge.Cli;
using AfmEdge.Core;
using AfmEdge.EndToEnd.Tests.Support;
using AfmEdge.Formats.Gsf;
using AfmEdge.Formats;
using AfmEdge.Processing;

namespace AfmEdge.EndToEnd.Tests;

public sealed class ProcessCommandTests
{
    [Fact]
    public async Task Process_GsfWithRepeat_WritesLeveledFileAndPrintsMedianMs()
    {
        var dir = Scratch.Folder("afmedge-process-").FullName;
        var input = Path.Combine(dir, "in.gsf");
        var output = Path.Combine(dir, "out.gsf");
        const int w = 64, h = 48;
        var data = new float[w * h];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)(1e-7 + (1e-9 * (i % w)) + (3e-9 * ((i / w) % 5)) + (1e-10 * Math.Sin(i)));
        }

        var channel = new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), w, h, data);
        GsfWriter.Write(input, channel, 1e-6, 1e-6, "Height");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = await AfmEdgeCli.InvokeAsync(
            ["process", input, "--ops", "align-rows:median,level:plane,gauss:2", "--out", output, "--repeat", "5"], stdout, stderr,
            TestContext.Current.CancellationToken);

        Assert.True(exit == ExitCodes.Ok, $"exit {exit}: {stderr}");
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Matches(@"^\d+\.\d{3} ms$", lines[^1]);
        var written = FrameImporter.Open(output).Channels[0];
        var expected = ProcessingChain.ParseList("align-rows:median,level:plane,gauss:2").Apply(channel, out _);
        Assert.Equal(expected.Data.ToArray(), written.Data.ToArray());
    }

    [Theory]
    [InlineData("level:plane@Height,gauss:1", "Height", true)]
    [InlineData("level:plane@Height,gauss:1", "Current", false)]
    [InlineData("level:plane@Height-retrace,gauss:1", "Height", false)]
    public async Task Process_ChannelSelector_LevelsOnlyTheSelectedChannel(string ops, string channelName, bool levelled)
    {
        var dir = Scratch.Folder("afmedge-process-selector-").FullName;
        var input = Path.Combine(dir, "in.gwy");
        var output = Path.Combine(dir, "out.gsf");
        var frame = TiltedFrame(retrace: ops.Contains("retrace", StringComparison.Ordinal));
        Formats.Gwy.GwyWriter.Write(input, frame);
        var stderr = new StringWriter();

        var exit = await AfmEdgeCli.InvokeAsync(["process", input, "--channel", channelName, "--ops", ops, "--out", output], new StringWriter(), stderr,
            TestContext.Current.CancellationToken);

        Assert.True(exit == ExitCodes.Ok, $"exit {exit}: {stderr}");
        var channel = FrameImporter.Open(input).GetChannel(channelName);
        var expected = ProcessingChain.ParseList(levelled ? "level:plane,gauss:1" : "gauss:1").Apply(channel, out _);
        Assert.Equal(expected.Data.ToArray(), FrameImporter.Open(output).Channels[0].Data.ToArray());
    }

    [Fact]
    public async Task Process_SelectorNamesChannelTheFileLacks_ExitsTwoNamingIt()
    {
        var dir = Scratch.Folder("afmedge-process-selector-").FullName;
        var input = Path.Combine(dir, "in.gwy");
        Formats.Gwy.GwyWriter.Write(input, TiltedFrame(retrace: false));
        var stderr = new StringWriter();

        var exit = await AfmEdgeCli.InvokeAsync(["process", input, "--ops", "level:plane@Potential"], new StringWriter(), stderr,
            TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains("'level:plane@Potential' selects channel 'Potential'", stderr.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Height and Current (and optionally Height-retrace), each a tilted plane with a ripple: levelling changes every one.</summary>
    private static Frame TiltedFrame(bool retrace)
    {
        const int size = 32;
        float[] Plane(double offset, double slope)
        {
            var data = new float[size * size];
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = (float)(offset + (slope * (i % size)) + (0.5 * slope * (i / size)) + (0.1 * slope * Math.Sin(i * 0.37)));
            }

            return data;
        }

        var channels = new List<Channel>
        {
            new(new ChannelDescriptor("Height", PhysicalUnit.Metre), size, size, Plane(1e-7, 1e-9)),
            new(new ChannelDescriptor("Current", PhysicalUnit.Ampere), size, size, Plane(2e-9, 1e-11)),
        };
        if (retrace)
        {
            channels.Add(new(new ChannelDescriptor("Height", PhysicalUnit.Metre, ScanDirection.Retrace), size, size, Plane(1.1e-7, 1e-9)));
        }

        var scan = new ScanSettings { SizeX = 1e-6, SizeY = 1e-6, PixelsX = size, PixelsY = size, LineRateHz = 1 };
        return new Frame(new FrameId(DateTimeOffset.UnixEpoch, 0), scan, channels);
    }

    [Theory]
    [InlineData("gauss:x", "SIGMA = 'x'")]
    [InlineData("level:cubic", "is unknown")]
    [InlineData("merge-retrace@Height", "whole frame")]
    [InlineData("level:plane@Height+", "CHANNELS")]
    public async Task Process_BadOps_ExitsTwoNamingStep(string ops, string expected)
    {
        var stderr = new StringWriter();
        var exit = await AfmEdgeCli.InvokeAsync(["process", "nonexistent.gsf", "--ops", ops], new StringWriter(), stderr, TestContext.Current.CancellationToken);
        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains(expected, stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_RegisterOnMultiChannelFile_MovesTheProbeChannelOntoHeight()
    {
        var dir = Scratch.Folder("afmedge-process-register-").FullName;
        var input = Path.Combine(dir, "in.gwy");
        const int size = 64;
        var height = new float[size * size];
        var current = new float[size * size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                double Bumps(double u, double v) => (Math.Exp(-(((u - 20) * (u - 20)) + ((v - 30) * (v - 30))) / 18.0) + Math.Exp(-(((u - 44) * (u - 44)) + ((v - 18) * (v - 18))) / 30.0)
                    + Math.Exp(-(((u - 36) * (u - 36)) + ((v - 46) * (v - 46))) / 12.0));
                height[(y * size) + x] = (float)(1e-8 * Bumps(x, y));
                current[(y * size) + x] = (float)(1e-12 * Bumps(x - 3, y + 2));
            }
        }

        var frame = new Frame(new FrameId(DateTimeOffset.UnixEpoch, 0), new ScanSettings { SizeX = 1e-6, SizeY = 1e-6, PixelsX = size, PixelsY = size, LineRateHz = 1 },
            [new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), size, size, height), new Channel(new ChannelDescriptor("Current", PhysicalUnit.Ampere), size, size, current)]);
        AfmEdge.Formats.Gwy.GwyWriter.Write(input, frame);
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = await AfmEdgeCli.InvokeAsync(["process", input, "--channel", "Current", "--ops", "register:probes", "--repeat", "2"], stdout, stderr,
            TestContext.Current.CancellationToken);

        Assert.True(exit == ExitCodes.Ok, $"exit {exit}: {stderr}");
        Assert.Contains("Current", stdout.ToString(), StringComparison.Ordinal);
        Assert.Matches(@"^\d+\.\d{3} ms$", stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1]);
    }

    [Fact]
    public async Task Process_MissingFile_ExitsTwo()
    {
        var stderr = new StringWriter();
        var exit = await AfmEdgeCli.InvokeAsync(["process", Path.Combine(Path.GetTempPath(), "no-such-afm-file.gsf"), "--ops", "level:plane"],
            new StringWriter(), stderr, TestContext.Current.CancellationToken);
        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains("cannot read", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_RealGwyddionFile_UnknownChannelListsChannels()
    {
        var file = SharedData("GwiddionReader_chip.gsf");
        if (file is null)
        {
            Assert.Skip("shared/data/afm is not beside the repository.");
        }

        var stderr = new StringWriter();
        var exit = await AfmEdgeCli.InvokeAsync(["process", file, "--channel", "Phase", "--ops", "level:plane"], new StringWriter(), stderr,
            TestContext.Current.CancellationToken);
        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains("has no channel 'Phase'", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchProcess_SmallSizes_PrintsEveryOperation()
    {
        var stdout = new StringWriter();
        var exit = await AfmEdgeCli.InvokeAsync(["bench", "process", "--sizes", "16", "--budget-ms", "1"], stdout, new StringWriter(),
            TestContext.Current.CancellationToken);
        Assert.Equal(ExitCodes.Ok, exit);
        foreach (var step in new[] { "level:plane", "level:poly:2", "align-rows:median", "align-rows:mean", "gauss:2", "median:5", "scars" })
        {
            Assert.Contains(step, stdout.ToString(), StringComparison.Ordinal);
        }
    }

    private static string? SharedData(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", "afm", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
