using AfmEdge.Cli;
using AfmEdge.Core;
using AfmEdge.Formats;
using AfmEdge.Formats.Gsf;
using AfmEdge.Processing;

namespace AfmEdge.EndToEnd.Tests;

public sealed class ProcessCommandTests
{
    [Fact]
    public async Task Process_GsfWithRepeat_WritesLeveledFileAndPrintsMedianMs()
    {
        var dir = Directory.CreateTempSubdirectory("afmedge-process-").FullName;
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
    [InlineData("gauss:x", "SIGMA = 'x'")]
    [InlineData("level:cubic", "is unknown")]
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
        var dir = Directory.CreateTempSubdirectory("afmedge-process-register-").FullName;
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
