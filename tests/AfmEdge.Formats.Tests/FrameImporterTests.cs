using System.Diagnostics;
using AfmEdge.Core;

namespace AfmEdge.Formats.Tests;

public sealed class FrameImporterTests
{
    public static TheoryData<string, AfmFileFormat, int, int, int> Samples => new()
    {
        { "GwiddionReader_chip.gsf", AfmFileFormat.GwyddionSimpleField, 1, 300, 300 },
        { "GwiddionReader_chip.gwy", AfmFileFormat.Gwyddion, 1, 300, 300 },
        { "PTO_110_Virgin0001.gwy", AfmFileFormat.Gwyddion, 4, 256, 256 },
        { "nanoscope_v5_multi.spm", AfmFileFormat.Nanoscope, 2, 512, 512 },
        { "IgorIBWReader_P0089OP0027.ibw", AfmFileFormat.IgorBinaryWave, 5, 256, 256 },
        { "A151216.123306-02602.sxm", AfmFileFormat.NanonisSxm, 18, 128, 128 },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void Open_EverySample_DetectsFormatAndYieldsChannels(string file, AfmFileFormat format, int channels, int width, int height)
    {
        var path = TestData.SamplePath(file);

        var frame = FrameImporter.Open(path);

        Assert.Equal(format, FrameImporter.Detect(File.ReadAllBytes(path), file));
        Assert.Equal(channels, frame.Channels.Count);
        Assert.Equal((width, height), (frame.Width, frame.Height));
        Assert.True(frame.SizeX > 0 && frame.SizeY > 0);
        Assert.Equal(file, frame.Metadata["source"]);
        Assert.All(frame.Channels, c => Assert.Contains(c.Data.ToArray(), float.IsFinite));
    }

    [Fact]
    public void OpenAll_NanoscopeUnderUpstreamTxtName_IsRecognisedByMagic()
    {
        using var stream = File.OpenRead(TestData.SamplePath("nanoscope_v5_multi.spm"));

        var frames = FrameImporter.OpenAll(stream, "full_multiple_images.txt");

        Assert.Equal(2, Assert.Single(frames).Channels.Count);
    }

    [Theory]
    [InlineData("scan.001", AfmFileFormat.Nanoscope)]
    [InlineData("scan.SPM", AfmFileFormat.Nanoscope)]
    [InlineData("wave.ibw", AfmFileFormat.IgorBinaryWave)]
    [InlineData("image.sxm", AfmFileFormat.NanonisSxm)]
    [InlineData("field.gsf", AfmFileFormat.GwyddionSimpleField)]
    [InlineData("data.gwy", AfmFileFormat.Gwyddion)]
    [InlineData("scan.jpk", AfmFileFormat.JpkScan)]
    [InlineData("map.jpk-qi-image", AfmFileFormat.JpkScan)]
    [InlineData("movie.asd", AfmFileFormat.RibmAsd)]
    [InlineData("notes.txt", AfmFileFormat.Unknown)]
    [InlineData("scan.12", AfmFileFormat.Unknown)]
    public void Detect_NoMagic_FallsBackToExtension(string fileName, AfmFileFormat expected)
    {
        Assert.Equal(expected, FrameImporter.Detect("????????"u8, fileName));
    }

    [Fact]
    public void OpenAll_UnknownContent_ThrowsAfmFormatException()
    {
        var ex = Assert.Throws<AfmFormatException>(() => FrameImporter.OpenAll(new MemoryStream("hello, world"u8.ToArray()), "notes.txt"));

        Assert.Equal("file format", ex.Field);
        Assert.Contains("notes.txt", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void OpenAll_MutatedSample_EndsInFrameOrAfmFormatExceptionQuickly(string file, AfmFileFormat format, int channels, int width, int height)
    {
        _ = (format, channels, width, height);
        var original = TestData.SampleBytes(file);
        var random = new Random(file.Length * 7919);
        var slowest = TimeSpan.Zero;
        var rejected = 0;

        for (var round = 0; round < 25; round++)
        {
            var bytes = Mutate(original, random);
            var clock = Stopwatch.StartNew();
            try
            {
                var frames = FrameImporter.OpenAll(new MemoryStream(bytes), file);
                Assert.NotEmpty(frames);
            }
            catch (AfmFormatException ex)
            {
                Assert.Contains(file, ex.Message, StringComparison.Ordinal);
                rejected++;
            }

            slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
        }

        Assert.True(slowest < TimeSpan.FromSeconds(1), $"slowest parse took {slowest}");
        Assert.True(rejected > 0, "no mutation was rejected, so the mutations did not reach the structure");
    }

    /// <summary>Flips bytes (mostly in the header, where the structure is), truncates, or overwrites a 4-byte word.</summary>
    private static byte[] Mutate(byte[] original, Random random)
    {
        var headerEnd = Math.Min(original.Length, 4096);
        switch (random.Next(3))
        {
            case 0:
                return original[..random.Next(original.Length)];
            case 1:
                {
                    var bytes = (byte[])original.Clone();
                    for (var i = 0; i < 1 + random.Next(8); i++)
                    {
                        bytes[random.Next(headerEnd)] = (byte)random.Next(256);
                    }

                    return bytes;
                }

            default:
                {
                    var bytes = (byte[])original.Clone();
                    var at = random.Next(Math.Max(1, headerEnd - 4));
                    BitConverter.TryWriteBytes(bytes.AsSpan(at), random.Next(2) == 0 ? int.MaxValue : -random.Next());
                    return bytes;
                }
        }
    }

    [Fact]
    public void OpenAll_LargeFileThenEverySample_SameFramesAsAFreshRead()
    {
        // Files are read into pooled buffers longer than the file: a parser that looked past the file's own length would
        // see the previous, larger file's bytes, and a truncated sample would parse differently after a large one.
        var samples = Samples.Select(row => row.Data.Item1).ToArray();
        var expected = samples.Select(s => Describe(FrameImporter.OpenAll(new MemoryStream(TestData.SampleBytes(s), writable: false), s))).ToArray();
        var largest = samples.MaxBy(s => new FileInfo(TestData.SamplePath(s)).Length)!;

        for (var i = 0; i < samples.Length; i++)
        {
            FrameImporter.OpenAll(TestData.SamplePath(largest));
            Assert.Equal(expected[i], Describe(FrameImporter.OpenAll(TestData.SamplePath(samples[i]))));

            // .gsf and .gwy fix the file's length exactly: one byte short must fail even when the buffer holds a stale byte there.
            if (samples[i].EndsWith(".gsf", StringComparison.Ordinal) || samples[i].EndsWith(".gwy", StringComparison.Ordinal))
            {
                var truncated = TestData.SampleBytes(samples[i])[..^1];
                FrameImporter.OpenAll(TestData.SamplePath(largest));
                var error = Assert.Throws<AfmFormatException>(() => { FrameImporter.OpenAll(new MemoryStream(truncated, writable: false), samples[i]); });
                Assert.Contains(samples[i], error.Message, StringComparison.Ordinal);
            }
        }
    }

    private static string Describe(IReadOnlyList<Frame> frames) => string.Join(
        "; ",
        frames.SelectMany(f => f.Channels).Select(c =>
        {
            var hash = new HashCode();
            foreach (var value in c.Data)
            {
                hash.Add(value);
            }

            return $"{c.Descriptor.Key} {c.Width}×{c.Height} {hash.ToHashCode()}";
        }));
}
