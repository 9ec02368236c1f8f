using System.Text.Json;
using AfmEdge.Cli;
using AfmEdge.Core;
using AfmEdge.EndToEnd.Tests.Support;
using AfmEdge.Formats;
using AfmEdge.Formats.Gsf;

namespace AfmEdge.EndToEnd.Tests;

/// <summary>`afmedge info` and `afmedge convert` on the shared real files, in-process.</summary>
public sealed class FileCommandTests : IDisposable
{
    private readonly string _directory = Scratch.Folder("afmedge-files-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<(int Exit, string Output, string Error)> InvokeAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await AfmEdgeCli.InvokeAsync(args, output, error, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Info_NanoscopeSample_ListsEveryChannelWithPixelsSizeUnitAndStatistics()
    {
        var path = SampleFiles.Path("nanoscope_v5_multi.spm");
        var frame = FrameImporter.Open(path);

        var (exit, output, error) = await InvokeAsync("info", path);

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("nanoscope_v5_multi.spm: Bruker Nanoscope, 1 frame", output, StringComparison.Ordinal);
        var lines = output.Split('\n');
        foreach (var channel in frame.Channels)
        {
            var min = channel.Data.ToArray().Min();
            var line = Assert.Single(lines, l => l.TrimStart().StartsWith(channel.Name + " ", StringComparison.Ordinal));
            Assert.Contains("retrace", line, StringComparison.Ordinal);
            Assert.Contains("512 × 512", line, StringComparison.Ordinal);
            Assert.Contains("2 µm × 2 µm", line, StringComparison.Ordinal);
            Assert.Contains(new Quantity(min, channel.Unit).Format(4), line, StringComparison.Ordinal);
        }

        Assert.Contains("-729.7 nm", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_Json_AgreesWithImporterForEveryChannel()
    {
        var path = SampleFiles.Path("A151216.123306-02602.sxm");
        var frame = FrameImporter.Open(path);

        var (exit, output, error) = await InvokeAsync("info", path, "--json");

        Assert.True(exit == ExitCodes.Ok, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("A151216.123306-02602.sxm", json.RootElement.GetProperty("file").GetString());
        var jsonFrame = Assert.Single(json.RootElement.GetProperty("frames").EnumerateArray());
        Assert.Equal(frame.SizeX, jsonFrame.GetProperty("sizeX").GetDouble());
        Assert.Equal(frame.Scan.OffsetY, jsonFrame.GetProperty("offsetY").GetDouble());
        var channels = jsonFrame.GetProperty("channels").EnumerateArray().ToList();
        Assert.Equal(frame.Channels.Count, channels.Count);
        for (var i = 0; i < channels.Count; i++)
        {
            var expected = frame.Channels[i];
            var data = expected.Data.ToArray();
            Assert.Equal(expected.Name, channels[i].GetProperty("name").GetString());
            Assert.Equal(expected.Direction == ScanDirection.Retrace ? "retrace" : "trace", channels[i].GetProperty("direction").GetString());
            Assert.Equal(expected.Unit.Symbol, channels[i].GetProperty("unit").GetString());
            Assert.Equal((128, 128), (channels[i].GetProperty("width").GetInt32(), channels[i].GetProperty("height").GetInt32()));
            Assert.Equal(data.Min(), channels[i].GetProperty("min").GetDouble());
            Assert.Equal(data.Max(), channels[i].GetProperty("max").GetDouble());
            Assert.Equal(data.Average(v => (double)v), channels[i].GetProperty("mean").GetDouble(), 1e-9 * Math.Abs(data.Max()));
        }
    }

    [Fact]
    public async Task Info_CorruptFile_ExitsTwoWithTheFormatError()
    {
        var bytes = File.ReadAllBytes(SampleFiles.Path("IgorIBWReader_P0089OP0027.ibw"));
        var path = Path.Combine(_directory, "truncated.ibw");
        File.WriteAllBytes(path, bytes[..5000]);
        var expected = Assert.Throws<AfmFormatException>(() => FrameImporter.OpenAll(path));

        var (exit, output, error) = await InvokeAsync("info", path);

        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Empty(output);
        Assert.Equal("afmedge: " + expected.Message, error.TrimEnd());
    }

    [Fact]
    public async Task Info_MissingFile_ExitsTwo()
    {
        var (exit, _, error) = await InvokeAsync("info", Path.Combine(_directory, "absent.spm"));

        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains("absent.spm: no such file", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Convert_ToGsfByDefault_WritesFirstChannelBitEqual()
    {
        var path = SampleFiles.Path("IgorIBWReader_P0089OP0027.ibw");
        var frame = FrameImporter.Open(path);
        var target = Path.Combine(_directory, "out.gsf");

        var (exit, output, error) = await InvokeAsync("convert", path, target);

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("out.gsf: Height-retrace", output, StringComparison.Ordinal);
        var written = GsfReader.Read(target);
        var channel = Assert.Single(written.Channels);
        Assert.Equal(frame.Channels[0].Descriptor, channel.Descriptor);
        Assert.Equal((frame.SizeX, frame.SizeY), (written.SizeX, written.SizeY));
        Assert.True(frame.Channels[0].Data.SequenceEqual(channel.Data));
        Assert.False(File.Exists(target + ".partial"));
    }

    [Theory]
    [InlineData("Current-retrace", "Current", ScanDirection.Retrace)]
    [InlineData("current", "Current", ScanDirection.Trace)]
    [InlineData("FREQUENCY_SHIFT-RETRACE", "Frequency_Shift", ScanDirection.Retrace)]
    public async Task Convert_ToGsfWithChannel_PicksByKeyThenName(string option, string name, ScanDirection direction)
    {
        var path = SampleFiles.Path("A151216.123306-02602.sxm");
        var expected = FrameImporter.Open(path).GetChannel(name, direction);
        var target = Path.Combine(_directory, "one.gsf");

        var (exit, _, error) = await InvokeAsync("convert", path, target, "--channel", option);

        Assert.True(exit == ExitCodes.Ok, error);
        var channel = Assert.Single(GsfReader.Read(target).Channels);
        Assert.Equal(expected.Descriptor, channel.Descriptor);
        Assert.True(expected.Data.SequenceEqual(channel.Data));
    }

    [Fact]
    public async Task Convert_ToGwy_WritesEveryChannelBitEqual()
    {
        var path = SampleFiles.Path("nanoscope_v5_multi.spm");
        var frame = FrameImporter.Open(path);
        var target = Path.Combine(_directory, "all.GWY");

        var (exit, _, error) = await InvokeAsync("convert", path, target);

        Assert.True(exit == ExitCodes.Ok, error);
        var written = Assert.Single(FrameImporter.OpenAll(target));
        Assert.Equal(frame.Channels.Select(c => c.Descriptor), written.Channels.Select(c => c.Descriptor));
        Assert.Equal((frame.SizeX, frame.Scan.OffsetX), (written.SizeX, written.Scan.OffsetX));
        for (var i = 0; i < frame.Channels.Count; i++)
        {
            Assert.True(frame.Channels[i].Data.SequenceEqual(written.Channels[i].Data), frame.Channels[i].Descriptor.Key);
        }
    }

    [Fact]
    public async Task Convert_UnknownChannel_ExitsTwoListingTheChannels()
    {
        var path = SampleFiles.Path("nanoscope_v5_multi.spm");

        var (exit, _, error) = await InvokeAsync("convert", path, Path.Combine(_directory, "x.gsf"), "--channel", "Phase");

        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains("has no channel 'Phase'; it has Height-retrace, Amplitude-retrace", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "x.gsf")));
    }

    [Theory]
    [InlineData("out.tiff")]
    [InlineData("out")]
    public async Task Convert_UnsupportedOutputExtension_ExitsTwo(string name)
    {
        var (exit, _, error) = await InvokeAsync("convert", SampleFiles.Path("GwiddionReader_chip.gsf"), Path.Combine(_directory, name));

        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains("must end in .gsf or .gwy", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Convert_CorruptInput_ExitsTwoWithTheFormatErrorAndWritesNothing()
    {
        var path = Path.Combine(_directory, "bad.gwy");
        File.WriteAllBytes(path, "GWYPgarbage"u8.ToArray());
        var target = Path.Combine(_directory, "bad-out.gwy");
        var expected = Assert.Throws<AfmFormatException>(() => FrameImporter.OpenAll(path));

        var (exit, _, error) = await InvokeAsync("convert", path, target);

        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Equal("afmedge: " + expected.Message, error.TrimEnd());
        Assert.False(File.Exists(target));
        Assert.Contains("bad.gwy", expected.Message, StringComparison.Ordinal);
    }
}
