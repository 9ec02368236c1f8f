using System.Text;
using AfmEdge.Core;
using AfmEdge.Formats.Gsf;

namespace AfmEdge.Formats.Tests;

public sealed class GsfTests
{
    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("ab")]
    [InlineData("abc")]
    public void Write_AnyHeaderLength_PadsWithOneToFourNulsToMultipleOfFour(string titleSuffix)
    {
        var channel = TestData.Ramp("Height", PhysicalUnit.Metre, 5, 3);
        using var stream = new MemoryStream();

        GsfWriter.Write(stream, channel, 1e-6, 2e-6, title: "Height" + titleSuffix);

        var bytes = stream.ToArray();
        var firstNul = Array.IndexOf(bytes, (byte)0);
        var dataStart = bytes.Length - (5 * 3 * 4);
        Assert.Equal(0, dataStart % 4);
        Assert.InRange(dataStart - firstNul, 1, 4);
        Assert.All(bytes[firstNul..dataStart], b => Assert.Equal(0, b));
    }

    [Fact]
    public void WriteThenRead_Channel_IsBitEqualWithSizesOffsetsUnitsAndTitle()
    {
        var channel = TestData.Ramp("Current", PhysicalUnit.Ampere, 17, 9, ScanDirection.Retrace, 1e-12f);
        using var stream = new MemoryStream();

        GsfWriter.Write(stream, channel, 3.5e-6, 1.75e-6, offsetX: -1e-7, offsetY: 2.5e-7,
            extraFields: [new("Operator", "afm edge"), new("Sample", "chromosome 7")]);
        stream.Position = 0;
        var frame = GsfReader.Read(stream, "roundtrip.gsf");

        var read = Assert.Single(frame.Channels);
        Assert.Equal("Current", read.Name);
        Assert.Equal(ScanDirection.Retrace, read.Direction);
        Assert.Equal(PhysicalUnit.Ampere, read.Unit);
        Assert.Equal((17, 9), (read.Width, read.Height));
        Assert.Equal(3.5e-6, frame.SizeX);
        Assert.Equal(1.75e-6, frame.SizeY);
        Assert.Equal(-1e-7, frame.Scan.OffsetX);
        Assert.Equal(2.5e-7, frame.Scan.OffsetY);
        Assert.Equal("afm edge", frame.Metadata["gsf.Operator"]);
        Assert.Equal("chromosome 7", frame.Metadata["gsf.Sample"]);
        Assert.True(channel.Data.SequenceEqual(read.Data), "samples differ after the round trip");
    }

    [Fact]
    public void WriteFrameChannel_ByKey_KeepsFrameGeometryAndIdentifierMetadata()
    {
        var scan = new ScanSettings { SizeX = 4e-6, SizeY = 2e-6, PixelsX = 8, PixelsY = 4, LineRateHz = 1, OffsetX = 3e-7 };
        var frame = new Frame(default, scan,
            [TestData.Ramp("Height", PhysicalUnit.Metre, 8, 4), TestData.Ramp("Height", PhysicalUnit.Metre, 8, 4, ScanDirection.Retrace, 2e-9f)],
            new Dictionary<string, string> { ["specimen"] = "chromosome 2", ["not an identifier"] = "dropped" });
        using var stream = new MemoryStream();

        GsfWriter.Write(stream, frame, "height-RETRACE");
        stream.Position = 0;
        var read = GsfReader.Read(stream);

        Assert.Equal(frame.Channels[1].Descriptor, read.Channels[0].Descriptor);
        Assert.True(frame.Channels[1].Data.SequenceEqual(read.Channels[0].Data));
        Assert.Equal((4e-6, 2e-6, 3e-7), (read.SizeX, read.SizeY, read.Scan.OffsetX));
        Assert.Equal("chromosome 2", read.Metadata["gsf.specimen"]);
        Assert.DoesNotContain(read.Metadata.Keys, k => k.Contains("identifier", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => GsfWriter.Write(stream, frame, "Phase"));
    }

    [Fact]
    public void WriteThenRead_SpecialFloats_ArePreservedBitForBit()
    {
        float[] values = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, float.Epsilon, float.MaxValue, 1e-30f, -7.25f];
        var channel = new Channel(new ChannelDescriptor("Z", PhysicalUnit.Metre), 4, 2, values);
        using var stream = new MemoryStream();

        GsfWriter.Write(stream, channel, 1, 1);
        stream.Position = 0;
        var read = GsfReader.Read(stream).Channels[0];

        for (var i = 0; i < values.Length; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(values[i]), BitConverter.SingleToInt32Bits(read.Data[i]));
        }
    }

    [Fact]
    public void Read_ChipSample_HasGeometryUnitsAndValues()
    {
        var frame = GsfReader.Read(TestData.SamplePath("GwiddionReader_chip.gsf"));

        var channel = Assert.Single(frame.Channels);
        Assert.Equal("Topography", channel.Name);
        Assert.Equal(PhysicalUnit.Metre, channel.Unit);
        Assert.Equal((300, 300), (channel.Width, channel.Height));
        Assert.Equal(8e-5, frame.SizeX);
        Assert.Equal(8e-5, frame.SizeY);
        var min = channel.Data.ToArray().Min();
        var max = channel.Data.ToArray().Max();
        Assert.InRange(min, 12e-6f, 13e-6f);
        Assert.InRange(max, 19e-6f, 20e-6f);
    }

    [Fact]
    public void Write_ChipSampleReadBack_ReproducesGwyddionFileByteForByte()
    {
        var original = TestData.SampleBytes("GwiddionReader_chip.gsf");
        var frame = GsfReader.Read(new MemoryStream(original));
        using var stream = new MemoryStream();

        GsfWriter.Write(stream, frame.Channels[0], frame.SizeX, frame.SizeY, title: frame.Metadata["gsf.Title"]);

        Assert.Equal(System.Text.Encoding.ASCII.GetString(original, 0, 120), System.Text.Encoding.ASCII.GetString(stream.ToArray(), 0, 120));
        Assert.True(original.AsSpan().SequenceEqual(stream.ToArray()), "the data part differs");
    }

    [Fact]
    public void Read_PrefixedUnits_ConvertsToBaseUnits()
    {
        var bytes = Build("XRes = 2\nYRes = 1\nXReal = 4\nYReal = 2\nXYUnits = um\nZUnits = nm\n", [1.5f, -2f]);

        var frame = GsfReader.Read(new MemoryStream(bytes));

        Assert.Equal(4e-6, frame.SizeX, 1e-18);
        Assert.Equal(PhysicalUnit.Metre, frame.Channels[0].Unit);
        Assert.Equal(1.5e-9f, frame.Channels[0].Data[0], 1e-15f);
    }

    /// <summary>Headers (before four float32 samples) that must fail, with the field the error names; the row reader is held to the same.</summary>
    public static TheoryData<string, string> BadHeaders { get; } = new()
    {
        { "XRes = 3\nYRes = 2\n", "data length" },
        { "XRes = -3\nYRes = 2\n", "XRes" },
        { "XRes = many\nYRes = 2\n", "XRes" },
        { "YRes = 2\n", "XRes" },
        { "XRes = 2\nYRes = 2\nXReal = 0\n", "XReal" },
        { "XRes = 2\nYRes = 2\nXReal = abc\n", "XReal" },
        { "XRes = 2\nYRes = 2\nno equals sign\n", "header" },
        { "XRes = 2147483647\nYRes = 2147483647\n", "XRes" },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public void Read_BadHeader_ThrowsAfmFormatExceptionNamingField(string header, string field)
    {
        var bytes = Build(header, [1f, 2f, 3f, 4f]);

        var ex = Assert.Throws<AfmFormatException>(() => GsfReader.Read(new MemoryStream(bytes), "bad.gsf"));

        Assert.Equal(field, ex.Field);
        Assert.Contains("bad.gsf", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TruncatedSample_ThrowsAfmFormatException()
    {
        var bytes = TestData.SampleBytes("GwiddionReader_chip.gsf");

        foreach (var length in new[] { 0, 10, 26, 100, 121, bytes.Length - 1 })
        {
            Assert.Throws<AfmFormatException>(() => GsfReader.Read(new MemoryStream(bytes[..length]), "cut.gsf"));
        }
    }

    [Fact]
    public void Read_NoNulAfterHeader_ThrowsAfmFormatException()
    {
        var bytes = Encoding.ASCII.GetBytes("Gwyddion Simple Field 1.0\nXRes = 1\nYRes = 1\nabcd");

        var ex = Assert.Throws<AfmFormatException>(() => GsfReader.Read(new MemoryStream(bytes)));

        Assert.Equal("header", ex.Field);
    }

    /// <summary>A .gsf file's bytes with the given header lines (after the magic line) and samples.</summary>
    internal static byte[] Build(string header, float[] data)
    {
        var text = Encoding.ASCII.GetBytes("Gwyddion Simple Field 1.0\n" + header);
        var padded = text.Length + (4 - (text.Length % 4));
        var bytes = new byte[padded + (data.Length * 4)];
        text.CopyTo(bytes, 0);
        Buffer.BlockCopy(data, 0, bytes, padded, data.Length * 4);
        return bytes;
    }
}
