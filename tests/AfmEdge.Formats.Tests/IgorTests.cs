using System.Buffers.Binary;
using AfmEdge.Core;
using AfmEdge.Formats.Igor;

namespace AfmEdge.Formats.Tests;

public sealed class IgorTests
{
    private const string Sample = "IgorIBWReader_P0089OP0027.ibw";

    [Fact]
    public void Read_AsylumSample_HasFiveLayersAsRetraceChannelsWithUnits()
    {
        var frame = IgorReader.Read(TestData.SamplePath(Sample));

        Assert.Equal(["Height", "Amplitude", "Deflection", "Phase", "UserIn0"], frame.Channels.Select(c => c.Name));
        Assert.All(frame.Channels, c => Assert.Equal(ScanDirection.Retrace, c.Direction));
        Assert.Equal(["m", "m", "m", "deg", "V"], frame.Channels.Select(c => c.Unit.Symbol));
        Assert.All(frame.Channels, c => Assert.Equal((256, 256), (c.Width, c.Height)));
        Assert.Equal(7.843137254901961e-09 * 256, frame.SizeX);
        Assert.Equal(7.843137254901961e-09 * 256, frame.SizeY);
        Assert.Equal(1.0016, frame.Scan.LineRateHz);
        Assert.Equal("PFM Mode", frame.Metadata["ImagingMode"]);
        Assert.Equal("2e-06", frame.Metadata["ScanSize"]);
        Assert.Equal(new DateTimeOffset(2020, 11, 25, 19, 9, 19, TimeSpan.Zero), frame.AcquiredAt);
    }

    [Fact]
    public void Read_AsylumSample_FirstStoredRowIsBottomRow()
    {
        var bytes = TestData.SampleBytes(Sample);
        var frame = IgorReader.Read(TestData.SamplePath(Sample));
        var layerBytes = 256 * 256 * 4;

        for (var layer = 0; layer < 5; layer++)
        {
            var first = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(384 + (layer * layerBytes)));
            var secondRow = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(384 + (layer * layerBytes) + (256 * 4) + 8));
            Assert.Equal(first, frame.Channels[layer][0, 255]);
            Assert.Equal(secondRow, frame.Channels[layer][2, 254]);
        }

        Assert.Equal(6.0260276768531185e-09f, frame.Channels[0][0, 255]);
    }

    [Fact]
    public void Read_TruncatedSample_ThrowsAfmFormatException()
    {
        var bytes = TestData.SampleBytes(Sample);

        foreach (var length in new[] { 0, 1, 63, 383, 384, 100_000, 1_311_103, 1_311_104, 1_320_000 })
        {
            var ex = Assert.Throws<AfmFormatException>(() => IgorReader.Read(new MemoryStream(bytes[..length]), "cut.ibw"));
            Assert.Contains("cut.ibw", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Read_FlippedHeaderByte_FailsChecksum()
    {
        var bytes = TestData.SampleBytes(Sample);
        bytes[64 + 70] ^= 0x01;

        var ex = Assert.Throws<AfmFormatException>(() => IgorReader.Read(new MemoryStream(bytes)));

        Assert.Equal("checksum", ex.Field);
    }

    [Theory]
    [InlineData(4, 0x7FFF_0000, "wfmSize")]
    [InlineData(12, -5, "noteSize")]
    [InlineData(64 + 12, 12345, "npnts")]
    [InlineData(64 + 68, 1_000_000, "nDim[0]")]
    [InlineData(64 + 16, 0x0001_0003, "type")]
    public void Read_InconsistentHeaderWithValidChecksum_ThrowsNamingField(int offset, int value, string field)
    {
        var bytes = TestData.SampleBytes(Sample);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(offset), value);
        FixChecksum(bytes);

        var ex = Assert.Throws<AfmFormatException>(() => IgorReader.Read(new MemoryStream(bytes), "bad.ibw"));

        Assert.Equal(field, ex.Field);
    }

    private static void FixChecksum(byte[] bytes)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), 0);
        ushort sum = 0;
        for (var i = 0; i < 384; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i));
        }

        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), (ushort)-sum);
    }
}
