using AfmEdge.Core;
using AfmEdge.Formats.Gsf;

namespace AfmEdge.Formats.Tests;

public sealed class GsfRowReaderTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("afmedge-gsfrows-");

    [Fact]
    public void ReadRow_PrefixedUnitsAndNaN_EqualsGsfReaderBitwise()
    {
        var data = new float[7 * 5];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)Math.Sin(i * 0.61) * 40;
        }

        data[9] = float.NaN;
        var path = WriteRaw("nm.gsf", "XRes = 7\nYRes = 5\nXReal = 4\nYReal = 3\nXOffset = 1\nXYUnits = um\nZUnits = nm\nTitle = Height-retrace\nOperator = lab\n", data);
        var frame = GsfReader.Read(path);

        using var reader = GsfRowReader.Open(path);
        var rows = new float[7 * 5];
        for (var y = 0; y < 5; y++)
        {
            reader.ReadRow(rows.AsSpan(y * 7, 7));
        }

        Assert.Equal(frame.Channels[0].Data.ToArray(), rows);
        Assert.Equal(frame.Channels[0].Descriptor, reader.Descriptor);
        Assert.Equal(frame.Scan, reader.Scan);
        Assert.Equal(frame.Id, reader.Id);
        Assert.Equal(frame.Metadata, reader.Metadata);
        Assert.Equal(5, reader.NextRow);
    }

    [Fact]
    public void Rewind_SecondPass_ReadsTheSameRows()
    {
        var channel = TestData.Ramp("Current", PhysicalUnit.Ampere, 9, 4);
        var path = Path.Combine(_directory.FullName, "Current.gsf");
        GsfWriter.Write(path, channel, 1e-6, 1e-6);
        using var reader = GsfRowReader.Open(path);
        var first = new float[9];
        var again = new float[9];

        reader.ReadRow(first);
        reader.ReadRow(again);
        reader.Rewind();
        reader.ReadRow(again);

        Assert.Equal(first, again);
        Assert.Equal(channel.Row(0).ToArray(), again);
    }

    [Fact]
    public void ReadRow_PastTheLastRowOrWrongWidth_Throws()
    {
        var path = Path.Combine(_directory.FullName, "Height.gsf");
        GsfWriter.Write(path, TestData.Ramp("Height", PhysicalUnit.Metre, 3, 1), 1e-6, 1e-6);
        using var reader = GsfRowReader.Open(path);
        var row = new float[3];

        Assert.Throws<ArgumentException>(() => reader.ReadRow(new float[4]));
        reader.ReadRow(row);
        var e = Assert.Throws<InvalidOperationException>(() => reader.ReadRow(row));

        Assert.Contains("Height.gsf", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadRow_FileShrankAfterOpen_ThrowsAfmFormatException()
    {
        // Larger than the reader's buffer, so the cut is seen when the last row is read.
        var path = Path.Combine(_directory.FullName, "Height.gsf");
        GsfWriter.Write(path, TestData.Ramp("Height", PhysicalUnit.Metre, 256, 128), 1e-6, 1e-6);
        using var reader = GsfRowReader.Open(path);
        using (var cut = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            cut.SetLength(cut.Length - 20);
        }

        var row = new float[256];
        for (var y = 0; y < 127; y++)
        {
            reader.ReadRow(row);
        }

        var e = Assert.Throws<AfmFormatException>(() => reader.ReadRow(row));

        Assert.Equal("data length", e.Field);
        Assert.Contains("row 127", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_HeaderLongerThanOneRead_ParsesIt()
    {
        var path = Path.Combine(_directory.FullName, "long.gsf");
        var channel = TestData.Ramp("Height", PhysicalUnit.Metre, 5, 2);
        GsfWriter.Write(path, channel, 1e-6, 1e-6, extraFields: [new("Note", new string('x', 9000))]);

        using var reader = GsfRowReader.Open(path);
        var row = new float[5];
        reader.ReadRow(row);

        Assert.Equal(9000, reader.Metadata["gsf.Note"].Length);
        Assert.Equal(channel.Row(0).ToArray(), row);
    }

    [Theory]
    [MemberData(nameof(GsfTests.BadHeaders), MemberType = typeof(GsfTests))]
    public void Open_BadHeader_FailsOnTheFieldGsfReaderNames(string header, string field)
    {
        var path = WriteRaw("bad.gsf", header, [1f, 2f, 3f, 4f]);

        var rows = Assert.Throws<AfmFormatException>(() => GsfRowReader.Open(path).Dispose());
        var whole = Assert.Throws<AfmFormatException>(() => GsfReader.Read(path));

        Assert.Equal(field, rows.Field);
        Assert.Equal(whole.Message, rows.Message);
    }

    [Fact]
    public void Open_TruncatedSample_FailsAsGsfReaderDoes()
    {
        var bytes = TestData.SampleBytes("GwiddionReader_chip.gsf");
        var path = Path.Combine(_directory.FullName, "cut.gsf");

        foreach (var length in new[] { 0, 10, 26, 100, 121, bytes.Length - 1 })
        {
            File.WriteAllBytes(path, bytes[..length]);
            var whole = Assert.Throws<AfmFormatException>(() => GsfReader.Read(path));
            var rows = Assert.Throws<AfmFormatException>(() => GsfRowReader.Open(path).Dispose());
            Assert.Equal(whole.Message, rows.Message);
        }
    }

    [Fact]
    public void WriteHeaderThenBands_EqualsWriteInOneCall()
    {
        var channel = TestData.Ramp("Potential", PhysicalUnit.Volt, 6, 7, scale: 0.01f);
        using var whole = new MemoryStream();
        using var banded = new MemoryStream();
        GsfWriter.Write(whole, channel, 2e-6, 3e-6, "Potential", offsetY: 1e-7, extraFields: [new("Operator", "x")]);

        GsfWriter.WriteHeader(banded, 6, 7, PhysicalUnit.Volt, 2e-6, 3e-6, "Potential", offsetY: 1e-7, extraFields: [new("Operator", "x")]);
        GsfWriter.WriteSamples(banded, channel.Data[..18]);
        GsfWriter.WriteSamples(banded, channel.Data[18..]);

        Assert.Equal(whole.ToArray(), banded.ToArray());
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private string WriteRaw(string name, string header, float[] data)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllBytes(path, GsfTests.Build(header, data));
        return path;
    }
}
