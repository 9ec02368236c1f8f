using System.Buffers.Binary;
using System.Text;
using AfmEdge.Core;
using AfmEdge.Formats.Nanonis;

namespace AfmEdge.Formats.Tests;

public sealed class NanonisTests
{
    private const string Sample = "A151216.123306-02602.sxm";
    private const int DataStart = 4598;
    private const int ImageBytes = 128 * 128 * 4;

    [Fact]
    public void Read_Sample_HasNineChannelsForwardAndBackward()
    {
        var frame = NanonisSxmReader.Read(TestData.SamplePath(Sample));

        Assert.Equal(18, frame.Channels.Count);
        string[] names = ["Z", "Input_4", "Current", "Phase", "Amplitude", "Frequency_Shift", "Excitation", "LIX_1_omega", "LIY_1_omega"];
        string[] units = ["m", "V", "A", "deg", "m", "Hz", "V", "A", "A"];
        for (var i = 0; i < names.Length; i++)
        {
            Assert.Equal(new ChannelDescriptor(names[i], new PhysicalUnit(units[i]), ScanDirection.Trace), frame.Channels[2 * i].Descriptor);
            Assert.Equal(new ChannelDescriptor(names[i], new PhysicalUnit(units[i]), ScanDirection.Retrace), frame.Channels[(2 * i) + 1].Descriptor);
        }

        Assert.All(frame.Channels, c => Assert.Equal((128, 128), (c.Width, c.Height)));
        Assert.Equal(2e-9, frame.SizeX);
        Assert.Equal(2e-9, frame.SizeY);
        Assert.Equal(-3.335099e-7 - 1e-9, frame.Scan.OffsetX, 1e-18);
        Assert.Equal(1 / (20.01 + 5.002), frame.Scan.LineRateHz, 1e-12);
        Assert.Equal(new DateTimeOffset(2015, 12, 16, 11, 39, 44, TimeSpan.Zero), frame.AcquiredAt);
        Assert.Equal("up", frame.Metadata["SCAN_DIR"]);
        Assert.Equal("290.0000000000", frame.Metadata["REC_TEMP"]);
    }

    [Fact]
    public void Read_Sample_UpScanIsFlippedAndBackwardIsMirrored()
    {
        var bytes = TestData.SampleBytes(Sample);
        var frame = NanonisSxmReader.Read(TestData.SamplePath(Sample));
        var zForward = frame.GetChannel("Z");
        var zBackward = frame.GetChannel("Z", ScanDirection.Retrace);

        // First stored line = first scanned line = bottom row for an upward scan.
        Assert.Equal(BinaryPrimitives.ReadSingleBigEndian(bytes.AsSpan(DataStart)), zForward[0, 127]);
        Assert.Equal(BinaryPrimitives.ReadSingleBigEndian(bytes.AsSpan(DataStart + 12)), zForward[3, 127]);
        Assert.Equal(BinaryPrimitives.ReadSingleBigEndian(bytes.AsSpan(DataStart + ImageBytes - 4)), zForward[127, 0]);
        // Backward lines are stored as scanned, right to left.
        Assert.Equal(BinaryPrimitives.ReadSingleBigEndian(bytes.AsSpan(DataStart + ImageBytes)), zBackward[127, 127]);
        Assert.Equal(BinaryPrimitives.ReadSingleBigEndian(bytes.AsSpan(DataStart + ImageBytes + 8)), zBackward[125, 127]);
        Assert.InRange(zForward.Data.ToArray().Where(float.IsFinite).Average(), -1e-6f, 1e-6f);
    }

    [Fact]
    public void Read_TruncatedSample_ThrowsAfmFormatException()
    {
        var bytes = TestData.SampleBytes(Sample);

        foreach (var length in new[] { 0, 10, 2000, 4590, DataStart, DataStart + ImageBytes, bytes.Length - 1 })
        {
            var ex = Assert.Throws<AfmFormatException>(() => NanonisSxmReader.Read(new MemoryStream(bytes[..length]), "cut.sxm"));
            Assert.Contains("cut.sxm", ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("       128       128", "     99999       128", "SCAN_PIXELS")]
    [InlineData("       128       128", "       256       256", "data length")]
    [InlineData("2.000000E-9           2.000000E-9", "-2.00000E-9           2.000000E-9", "SCAN_RANGE")]
    [InlineData("\t14\tZ\tm\tboth", "\t14\tZ\tm\tsideways", "DATA_INFO")]
    [InlineData("FLOAT            MSBFIRST", "INT              MSBFIRST", "SCANIT_TYPE")]
    public void Read_CorruptHeader_ThrowsNamingTag(string original, string replacement, string field)
    {
        var bytes = TestData.SampleBytes(Sample);
        var header = Encoding.Latin1.GetString(bytes, 0, DataStart);
        Assert.Contains(original, header, StringComparison.Ordinal);
        var patched = Encoding.Latin1.GetBytes(header.Replace(original, replacement, StringComparison.Ordinal));
        var corrupt = patched.Concat(bytes[DataStart..]).ToArray();

        var ex = Assert.Throws<AfmFormatException>(() => NanonisSxmReader.Read(new MemoryStream(corrupt), "bad.sxm"));

        Assert.Equal(field, ex.Field);
    }
}
