using System.Globalization;
using System.Text;
using AfmEdge.Core;
using AfmEdge.Formats.Nanoscope;

namespace AfmEdge.Formats.Tests;

public sealed class NanoscopeTests
{
    private const string Sample = "nanoscope_v5_multi.spm";

    // Z scale 438.6572 V over 2^16 counts × Sens. Zscan 12.95302 nm/V, from the sample's header.
    private const double HeightMetresPerCount = 438.6572 * 12.95302e-9 / 65536;

    [Fact]
    public void Read_Sample_HasTwoRetraceImagesWithImageListGeometry()
    {
        var frames = NanoscopeReader.ReadFrames(TestData.SamplePath(Sample));

        var frame = Assert.Single(frames);
        Assert.Equal(["Height-retrace", "Amplitude-retrace"], frame.Channels.Select(c => c.Descriptor.Key));
        Assert.All(frame.Channels, c => Assert.Equal((512, 512), (c.Width, c.Height)));
        Assert.Equal(2e-6, frame.SizeX, 1e-15);
        Assert.Equal(2e-6, frame.SizeY, 1e-15);
        Assert.Equal(PhysicalUnit.Metre, frame.Channels[0].Unit);
        Assert.Equal(PhysicalUnit.Volt, frame.Channels[1].Unit);
        Assert.Equal(1.99943, frame.Scan.LineRateHz);
        Assert.Equal(new DateTimeOffset(2014, 10, 17, 10, 27, 26, TimeSpan.Zero), frame.AcquiredAt);
        Assert.Equal("0x05120130", frame.Metadata["Version"]);
        Assert.Equal("D3100", frame.Metadata["Microscope"]);
    }

    [Fact]
    public void Read_Sample_HeightScaleIsReadmeNanometresPerCount()
    {
        Assert.Equal(0.086700e-9, HeightMetresPerCount, 0.000001e-9);
    }

    [Fact]
    public void Read_Sample_HeightEqualsReferenceRawCountsTimesScale()
    {
        var height = NanoscopeReader.Read(TestData.SamplePath(Sample)).GetChannel("Height", ScanDirection.Retrace);
        var rows = File.ReadAllLines(TestData.SamplePath("nanoscope_v5_multi_height_raw.csv"));

        Assert.Equal(512, rows.Length);
        for (var stored = 0; stored < rows.Length; stored++)
        {
            // The CSV keeps the file's order (bottom line first); the frame's row 0 is the top line.
            var line = height.Row(511 - stored);
            var counts = rows[stored].Split(',');
            Assert.Equal(512, counts.Length);
            for (var x = 0; x < counts.Length; x++)
            {
                var expected = (float)(int.Parse(counts[x], CultureInfo.InvariantCulture) * HeightMetresPerCount);
                if (line[x] != expected)
                {
                    Assert.Fail($"Height at stored line {stored}, x {x}: {line[x]} m, expected {expected} m ({counts[x]} counts).");
                }
            }
        }
    }

    [Fact]
    public void Read_Sample_LineFlattenedHeightMatchesReferenceNanometresWithinTenthNanometre()
    {
        var height = NanoscopeReader.Read(TestData.SamplePath(Sample)).GetChannel("Height", ScanDirection.Retrace);
        var rows = File.ReadAllLines(TestData.SamplePath("nanoscope_v5_multi_height_converted.csv"));
        var worst = 0.0;

        for (var stored = 0; stored < rows.Length; stored++)
        {
            var line = height.Row(511 - stored);
            var (a, b) = FitLine(line);
            var expected = rows[stored].Split(',');
            for (var x = 0; x < line.Length; x++)
            {
                var flattenedNm = (line[x] - (a + (b * x))) * 1e9;
                worst = Math.Max(worst, Math.Abs(flattenedNm - double.Parse(expected[x], CultureInfo.InvariantCulture)));
            }
        }

        Assert.InRange(worst, 0, 0.1);
    }

    private static (double A, double B) FitLine(ReadOnlySpan<float> values)
    {
        double n = values.Length, sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (var x = 0; x < values.Length; x++)
        {
            sx += x;
            sy += values[x];
            sxx += (double)x * x;
            sxy += x * (double)values[x];
        }

        var b = ((n * sxy) - (sx * sy)) / ((n * sxx) - (sx * sx));
        return ((sy - (b * sx)) / n, b);
    }

    [Fact]
    public void Read_Sample_AmplitudeUsesHardScaleInVolts()
    {
        var bytes = TestData.SampleBytes(Sample);
        var amplitude = NanoscopeReader.Read(TestData.SamplePath(Sample)).GetChannel("Amplitude", ScanDirection.Retrace);

        var firstStoredCount = BitConverter.ToInt16(bytes, 565248);

        Assert.Equal((float)(firstStoredCount * 0.2166748 / 65536), amplitude[0, 511]);
    }

    [Fact]
    public void Read_TruncatedSample_ThrowsAfmFormatException()
    {
        var bytes = TestData.SampleBytes(Sample);

        foreach (var length in new[] { 0, 5, 100, 4000, 40959, 40960, 565247, bytes.Length - 1 })
        {
            var ex = Assert.Throws<AfmFormatException>(() => NanoscopeReader.ReadFrames(new MemoryStream(bytes[..length]), "cut.spm"));
            Assert.Contains("cut.spm", ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("\\Data offset: 40960", "\\Data offset: 99999999", "Data offset")]
    [InlineData("\\Samps/line: 512\r\n\\Number of lines: 512", "\\Samps/line: 5120000\r\n\\Number of lines: 512", "Samps/line")]
    [InlineData("\\Samps/line: 512\r\n\\Number of lines: 512", "\\Samps/line: 999\r\n\\Number of lines: 999", "Data length")]
    [InlineData("\\Data offset: 40960", "\\Data offset: forty", "Data offset")]
    [InlineData("\\Scan size: 2 2 ~m", "\\Scan size: ~m ~m ~m", "Scan size")]
    [InlineData("\\*File list end", "\\*File list ENX", "File list end")]
    public void Read_CorruptHeaderField_ThrowsAfmFormatExceptionNamingIt(string original, string replacement, string field)
    {
        var bytes = TestData.SampleBytes(Sample);
        var header = Encoding.Latin1.GetString(bytes, 0, 40960);
        var at = header.IndexOf(original, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{original}' is not in the sample header");
        var patched = header[..at] + replacement + header[(at + original.Length)..];
        patched = patched.Length > 40960 ? patched.Remove(patched.LastIndexOf('\0') - (patched.Length - 40960) + 1, patched.Length - 40960) : patched;
        var corrupt = Encoding.Latin1.GetBytes(patched).Concat(bytes[40960..]).ToArray();

        var ex = Assert.Throws<AfmFormatException>(() => NanoscopeReader.ReadFrames(new MemoryStream(corrupt), "bad.spm"));

        Assert.Contains(field, ex.Field, StringComparison.Ordinal);
    }
}
