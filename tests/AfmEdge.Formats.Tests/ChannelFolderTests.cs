using AfmEdge.Core;
using AfmEdge.Formats;
using AfmEdge.Formats.Gsf;

namespace AfmEdge.Formats.Tests;

public sealed class ChannelFolderTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("afmedge-channels-");

    [Fact]
    public void Open_SimulateLayout_ReadsChannelsAndIgnoresTruth()
    {
        Write("Height", PhysicalUnit.Metre, 8, 6, 1e-7f);
        Write("Current", PhysicalUnit.Ampere, 8, 6, 2e-10f);
        Write("Height-retrace", PhysicalUnit.Metre, 8, 6, 3e-7f);
        Write("labels", PhysicalUnit.Dimensionless, 8, 6, 2f);
        File.WriteAllText(Path.Combine(_directory.FullName, "truth.json"), "{ not even json");

        var frame = ChannelFolder.Open(_directory.FullName);

        Assert.Equal(["Height", "Current", "Height-retrace"], frame.Channels.Select(c => c.Descriptor.Key));
        Assert.Equal(ScanDirection.Retrace, frame.Channels[2].Direction);
        Assert.Equal(PhysicalUnit.Ampere, frame.GetChannel("Current").Unit);
        Assert.Equal(2e-10f, frame.GetChannel("Current")[3, 2]);
        Assert.Equal(20e-6, frame.SizeX, 1e-12);
    }

    [Fact]
    public void Open_ChannelsOfDifferentSizes_NamesTheFile()
    {
        Write("Height", PhysicalUnit.Metre, 8, 6, 1f);
        Write("Potential", PhysicalUnit.Volt, 4, 3, 1f);

        var e = Assert.Throws<AfmFormatException>(() => ChannelFolder.Open(_directory.FullName));

        Assert.Contains("Potential.gsf", e.Message, StringComparison.Ordinal);
        Assert.Contains("4×3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_NoChannelFiles_SaysWhichFilesItWants()
    {
        Write("labels", PhysicalUnit.Dimensionless, 4, 4, 1f);

        var e = Assert.Throws<AfmFormatException>(() => ChannelFolder.Open(_directory.FullName));

        Assert.Contains("Height.gsf", e.Message, StringComparison.Ordinal);
        Assert.False(ChannelFolder.IsChannelFolder(_directory.FullName));
    }

    [Fact]
    public void Open_MissingFolder_Throws()
    {
        Assert.Throws<DirectoryNotFoundException>(() => ChannelFolder.Open(Path.Combine(_directory.FullName, "nope")));
    }

    [Fact]
    public void OpenRows_SimulateLayout_SameChannelsScanAndRowsAsOpen()
    {
        Write("Height", PhysicalUnit.Metre, 8, 6, 1e-7f);
        Write("Current", PhysicalUnit.Ampere, 8, 6, 2e-10f);
        Write("Height-retrace", PhysicalUnit.Metre, 8, 6, 3e-7f);
        Write("labels", PhysicalUnit.Dimensionless, 8, 6, 2f);
        var frame = ChannelFolder.Open(_directory.FullName);

        using var rows = ChannelFolder.OpenRows(_directory.FullName);

        Assert.Equal(frame.Channels.Select(c => c.Descriptor), rows.Channels.Select(c => c.Descriptor));
        Assert.Equal(frame.Scan, rows.Scan);
        Assert.Equal(frame.Id, rows.Id);
        Assert.Equal(frame.Metadata, rows.Metadata);
        var row = new float[8];
        for (var c = 0; c < rows.Channels.Count; c++)
        {
            for (var y = 0; y < 6; y++)
            {
                rows.Channels[c].ReadRow(row);
                Assert.Equal(frame.Channels[c].Row(y).ToArray(), row);
            }
        }
    }

    [Theory]
    [InlineData(4, 3, 20e-6)]
    [InlineData(8, 6, 30e-6)]
    public void OpenRows_ChannelsNotOneScan_FailsAsOpenDoes(int width, int height, double sizeX)
    {
        Write("Height", PhysicalUnit.Metre, 8, 6, 1f);
        var channel = new Channel(new ChannelDescriptor("Potential", PhysicalUnit.Volt), width, height, new float[width * height]);
        GsfWriter.Write(Path.Combine(_directory.FullName, "Potential.gsf"), channel, sizeX, 15e-6);

        var whole = Assert.Throws<AfmFormatException>(() => ChannelFolder.Open(_directory.FullName));
        var rows = Assert.Throws<AfmFormatException>(() => ChannelFolder.OpenRows(_directory.FullName).Dispose());

        Assert.Equal(whole.Message, rows.Message);
        Assert.Contains("Potential.gsf", rows.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenRows_NoChannelFilesOrNoFolder_FailsAsOpenDoes()
    {
        Write("labels", PhysicalUnit.Dimensionless, 4, 4, 1f);

        var e = Assert.Throws<AfmFormatException>(() => ChannelFolder.OpenRows(_directory.FullName).Dispose());

        Assert.Contains("Height.gsf", e.Message, StringComparison.Ordinal);
        Assert.Throws<DirectoryNotFoundException>(() => ChannelFolder.OpenRows(Path.Combine(_directory.FullName, "nope")).Dispose());
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private void Write(string key, PhysicalUnit unit, int width, int height, float value)
    {
        var data = Enumerable.Repeat(value, width * height).ToArray();
        var channel = new Channel(new ChannelDescriptor(key, unit), width, height, data);
        GsfWriter.Write(Path.Combine(_directory.FullName, key + ".gsf"), channel, 20e-6, 20e-6 * height / width, "free-form title");
    }
}
