using System.Buffers.Binary;
using System.Text;
using AfmEdge.Core;
using AfmEdge.Formats.Asd;

namespace AfmEdge.Formats.Tests;

/// <summary>RIBM .asd movies built byte by byte from the header layout in <see cref="AsdReader"/>'s documentation.</summary>
public sealed class AsdTests
{
    private const int XPixels = 5;
    private const int YPixels = 4;
    private const int Frames = 3;
    private const int FrameHeaderLength = 32;
    private const float ZPiezoExtension = 15f;
    private const float ZPiezoGain = 2.5f;
    private const float PhaseSensitivity = 36f;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Read_BuiltMovie_FramesCarryBothChannelsInPhysicalUnitsAndTimes(int version)
    {
        var bytes = Build(version);

        var frames = AsdReader.ReadFrames(new MemoryStream(bytes), "movie.asd");

        Assert.Equal(Frames, frames.Count);
        for (var f = 0; f < Frames; f++)
        {
            var frame = frames[f];
            Assert.Equal((XPixels, YPixels), (frame.Width, frame.Height));
            Assert.Equal((200 * 1e-9, 160 * 1e-9), (frame.SizeX, frame.SizeY));
            Assert.Equal(["Height", "Phase"], frame.Channels.Select(c => c.Descriptor.Key));
            Assert.Equal([PhysicalUnit.Metre, PhysicalUnit.Degree], frame.Channels.Select(c => c.Unit));
            Assert.Equal(f, frame.Id.Sequence);
            Assert.Equal(new DateTimeOffset(2024, 5, 17, 9, 30, 12, TimeSpan.Zero).AddMilliseconds(f * 62.5), frame.AcquiredAt);
            Assert.Equal((f * 0.0625).ToString("R", System.Globalization.CultureInfo.InvariantCulture), frame.Metadata["asd.frameTimeS"]);
            Assert.Equal("operator", frame.Metadata["asd.userName"]);
            Assert.Equal(YPixels / 0.0625, frame.Scan.LineRateHz, 9);
            for (var y = 0; y < YPixels; y++)
            {
                for (var x = 0; x < XPixels; x++)
                {
                    // Bipolar ±5 V over 12 bits: V = 5 − 2·level·5/4096; height = V · gain · extension nm; phase = −V · sensitivity.
                    var heightVolts = 5.0 - (2.0 * Level(0, f, x, y) * 5.0 / 4096);
                    var phaseVolts = 5.0 - (2.0 * Level(1, f, x, y) * 5.0 / 4096);
                    Assert.Equal((float)(heightVolts * ZPiezoGain * ZPiezoExtension * 1e-9), frame.Channels[0][x, y]);
                    Assert.Equal((float)(-phaseVolts * PhaseSensitivity), frame.Channels[1][x, y]);
                }
            }
        }
    }

    [Fact]
    public void Open_AsdExtension_UsesTheAsdReader()
    {
        var frames = FrameImporter.OpenAll(new MemoryStream(Build(1)), "movie.asd");

        Assert.Equal(Frames, frames.Count);
        Assert.Equal("RIBM high-speed AFM movie (.asd)", frames[0].Metadata["format"]);
    }

    [Theory]
    [InlineData(0, "file version")]
    [InlineData(3, "file version")]
    public void Read_UnknownVersion_ThrowsNamingVersion(int version, string field)
    {
        var bytes = Build(1);
        BinaryPrimitives.WriteInt32LittleEndian(bytes, version);

        var ex = Assert.Throws<AfmFormatException>(() => AsdReader.ReadFrames(new MemoryStream(bytes), "v.asd"));

        Assert.Equal(field, ex.Field);
    }

    [Fact]
    public void Read_HugeFrameCount_ThrowsBeforeAllocatingFrames()
    {
        var bytes = Build(1, frameCount: 900_000);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var ex = Assert.Throws<AfmFormatException>(() => AsdReader.ReadFrames(new MemoryStream(bytes), "huge.asd"));

        Assert.Contains("900000 frames", ex.Field, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000);
    }

    [Fact]
    public void Read_UnknownAdRange_ThrowsNamingIt()
    {
        var ex = Assert.Throws<AfmFormatException>(() => AsdReader.ReadFrames(new MemoryStream(Build(1, adRange: 0x00080000)), "ad.asd"));

        Assert.Equal("A/D range", ex.Field);
        Assert.Contains("0x00080000", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(600)]
    public void Read_Truncated_ThrowsAfmFormatException(int cut)
    {
        var bytes = Build(2);

        Assert.Throws<AfmFormatException>(() => AsdReader.ReadFrames(new MemoryStream(bytes[..^cut]), "cut.asd"));
    }

    [Fact]
    public void Open_MutatedMovies_EndInFramesOrAfmFormatException()
    {
        var original = Build(2);
        var random = new Random(4321);
        var rejected = 0;
        for (var i = 0; i < 300; i++)
        {
            var kind = (MutationTests.MutationKind)random.Next(6);
            var mutation = new MutationTests.Mutation(0, kind, random.NextDouble(), random.Next(), 1 + random.Next(16), InHeader: true);
            var bytes = MutationTests.Apply(original, mutation, headerLength: 260);
            try
            {
                Assert.NotEmpty(FrameImporter.OpenAll(new MemoryStream(bytes), "mutated.asd"));
            }
            catch (AfmFormatException ex)
            {
                Assert.Contains("mutated.asd", ex.Message, StringComparison.Ordinal);
                rejected++;
            }
        }

        Assert.InRange(rejected, 1, 299);
    }

    private static short Level(int channel, int frame, int x, int y) => (short)((channel * 1500) + (frame * 100) + (y * 37) + (x * 11) - 700);

    internal static byte[] Build(int version, int frameCount = Frames, uint adRange = 0x00040000)
    {
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream, Encoding.ASCII);
        var userName = Encoding.ASCII.GetBytes("operator\0");
        var comment = Encoding.ASCII.GetBytes("built from the layout\0");
        w.Write(version);
        w.Write(0); // header length: patched below
        w.Write(FrameHeaderLength);
        w.Write(0); // text encoding
        w.Write(userName.Length);
        w.Write(comment.Length);
        w.Write("TP\0\0"u8);
        w.Write("PH\0\0"u8);
        w.Write(frameCount); // initial frames
        w.Write(frameCount);
        w.Write(0); // scan direction
        w.Write(7); // file id
        w.Write(XPixels);
        w.Write(YPixels);
        w.Write(200); // x nm
        w.Write(160); // y nm
        w.Write((byte)0); // averaged
        w.Write(1); // averaging window
        foreach (var part in new[] { 2024, 5, 17, 9, 30, 12 })
        {
            w.Write(part);
        }

        w.Write(0); // x rounding
        w.Write(0); // y rounding
        w.Write(62.5f); // frame time, ms
        w.Write(20f); // scanner sensitivity, nm/V
        w.Write(PhaseSensitivity);
        w.Write(0); // offset
        w.Write(new byte[12]);
        w.Write(1); // AFM id
        w.Write(adRange);
        w.Write(12); // A/D bits
        w.Write(1000f); // max x range
        w.Write(1000f); // max y range
        w.Write(30f); // x piezo extension
        w.Write(30f); // y piezo extension
        w.Write(ZPiezoExtension);
        w.Write(ZPiezoGain);
        w.Write(userName);
        w.Write(comment);
        if (version == 2)
        {
            w.Write(frameCount);
            w.Write(0);
            w.Write(0.0);
            w.Write(4095);
            w.Write(0);
            w.Write(1); // red anchors
            w.Write(2); // green anchors
            w.Write(0); // blue anchors
            w.Write(new byte[3 * 8]);
        }

        var headerLength = (int)stream.Position;
        var frames = Math.Min(frameCount, Frames);
        for (var channel = 0; channel < 2; channel++)
        {
            for (var f = 0; f < frames; f++)
            {
                w.Write(f); // frame number
                w.Write(new byte[FrameHeaderLength - 4]);
                for (var y = 0; y < YPixels; y++)
                {
                    for (var x = 0; x < XPixels; x++)
                    {
                        w.Write(Level(channel, f, x, y));
                    }
                }
            }
        }

        w.Flush();
        var bytes = stream.ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), headerLength);
        return bytes;
    }
}
