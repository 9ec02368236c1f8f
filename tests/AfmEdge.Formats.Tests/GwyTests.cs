using System.Text;
using AfmEdge.Core;
using AfmEdge.Formats.Gsf;
using AfmEdge.Formats.Gwy;

namespace AfmEdge.Formats.Tests;

public sealed class GwyTests
{
    private static Frame SampleFrame()
    {
        var scan = new ScanSettings
        {
            SizeX = 5e-6, SizeY = 2.5e-6, PixelsX = 16, PixelsY = 8, LineRateHz = 2, OffsetX = 1e-6, OffsetY = -2e-7,
        };
        Channel[] channels =
        [
            TestData.Ramp("Height", PhysicalUnit.Metre, 16, 8),
            TestData.Ramp("Height", PhysicalUnit.Metre, 16, 8, ScanDirection.Retrace),
            TestData.Ramp("Current", PhysicalUnit.Ampere, 16, 8, scale: 1e-12f),
            TestData.Ramp("Phase", PhysicalUnit.Degree, 16, 8, scale: 0.01f),
        ];
        var metadata = new Dictionary<string, string> { ["specimen"] = "chromosome 1", ["enhancer"] = "sr×2 µ-model" };
        return new Frame(new FrameId(new DateTimeOffset(2026, 11, 25, 10, 30, 0, 123, TimeSpan.Zero), 42), scan, channels, metadata);
    }

    [Fact]
    public void WriteThenRead_Frame_ChannelsAreBitEqualWithGeometryUnitsAndMetadata()
    {
        var frame = SampleFrame();
        using var stream = new MemoryStream();

        GwyWriter.Write(stream, frame);
        stream.Position = 0;
        var read = Assert.Single(GwyReader.Read(stream, "roundtrip.gwy").ToFrames());

        Assert.Equal(frame.Id, read.Id);
        Assert.Equal(frame.SizeX, read.SizeX);
        Assert.Equal(frame.SizeY, read.SizeY);
        Assert.Equal(frame.Scan.OffsetX, read.Scan.OffsetX);
        Assert.Equal(frame.Scan.OffsetY, read.Scan.OffsetY);
        Assert.Equal("chromosome 1", read.Metadata["specimen"]);
        Assert.Equal("sr×2 µ-model", read.Metadata["enhancer"]);
        Assert.Equal(frame.Channels.Count, read.Channels.Count);
        for (var i = 0; i < frame.Channels.Count; i++)
        {
            var expected = frame.Channels[i];
            var actual = read.Channels[i];
            Assert.Equal(expected.Descriptor, actual.Descriptor);
            Assert.Equal((expected.Width, expected.Height), (actual.Width, actual.Height));
            Assert.True(expected.Data.SequenceEqual(actual.Data), $"samples of {expected.Descriptor.Key} differ");
        }
    }

    [Fact]
    public void WriteThenRead_MaskAndPalette_AreStoredPerChannel()
    {
        var frame = SampleFrame();
        var bits = new bool[16 * 8];
        bits[3] = bits[100] = true;
        using var stream = new MemoryStream();

        GwyWriter.Write(stream, frame, new GwyWriteOptions { Masks = new Dictionary<string, bool[]> { ["Height-retrace"] = bits }, Palette = "Gray" });
        stream.Position = 0;
        var document = GwyReader.Read(stream);

        Assert.Null(document.Channels[0].Mask);
        var mask = document.Channels[1].Mask;
        Assert.NotNull(mask);
        Assert.Equal("Height-retrace", document.Channels[1].Title);
        Assert.Equal(bits.Select(b => b ? 1.0 : 0.0), mask.Data);
        Assert.All(document.Channels, c => Assert.Equal("Gray", c.Palette));
        Assert.Equal("present", document.ToFrames()[0].Metadata["gwy/1/mask"]);
    }

    [Fact]
    public void ReadFile_EveryComponentType_RoundTripsThroughSerializer()
    {
        var inner = new GwyObject("GwySIUnit").Add("unitstr", "m");
        var root = new GwyObject("GwyContainer")
            .Add("/b", true).Add("/c", (byte)200).Add("/i", -7).Add("/q", long.MinValue).Add("/d", Math.PI).Add("/s", "Ångström")
            .Add("/o", inner).Add("/C", new byte[] { 1, 2, 3 }).Add("/I", new[] { 1, -2 }).Add("/Q", new[] { 5L, -6L })
            .Add("/D", new[] { 0.5, double.NaN }).Add("/S", new[] { "a", string.Empty, "ç" }).Add("/O", new[] { inner, inner });
        using var stream = new MemoryStream();

        GwySerializer.WriteFile(stream, root);
        Assert.Equal(4 + GwySerializer.ObjectSize(root), stream.Length);
        stream.Position = 0;
        var read = GwyDeserializer.ReadFile(stream);

        Assert.Equal(root.Components.Select(c => c.Name), read.Components.Select(c => c.Name));
        for (var i = 0; i < root.Components.Count; i++)
        {
            var expected = root.Components[i].Value;
            var actual = read.Components[i].Value;
            switch (expected)
            {
                case GwyObject o:
                    Assert.Equal("m", Assert.IsType<GwyObject>(actual).GetOrDefault<string>("unitstr"));
                    Assert.Equal(o.TypeName, ((GwyObject)actual).TypeName);
                    break;
                case GwyObject[] objects:
                    Assert.Equal(objects.Length, Assert.IsType<GwyObject[]>(actual).Length);
                    break;
                case double[] doubles:
                    Assert.Equal(doubles.Select(BitConverter.DoubleToInt64Bits), Assert.IsType<double[]>(actual).Select(BitConverter.DoubleToInt64Bits));
                    break;
                default:
                    Assert.Equal(expected, actual);
                    break;
            }
        }
    }

    [Fact]
    public void WriteFile_ObjectTreeOfGwyddionWrittenFile_ReproducesItByteForByte()
    {
        var original = TestData.SampleBytes("PTO_110_Virgin0001.gwy");
        var tree = GwyDeserializer.ReadFile(new MemoryStream(original));
        using var stream = new MemoryStream();

        GwySerializer.WriteFile(stream, tree);

        Assert.True(original.AsSpan().SequenceEqual(stream.ToArray()), "re-serializing Gwyddion's own file changed its bytes");
    }

    [Fact]
    public void Read_Gwyddion2Sample_HasFourAsylumChannels()
    {
        var document = GwyReader.Read(TestData.SamplePath("PTO_110_Virgin0001.gwy"));

        Assert.False(document.IsGwyddion1);
        Assert.Equal(["HeightRetrace", "AmplitudeRetrace", "DeflectionRetrace", "PhaseRetrace"], document.Channels.Select(c => c.Title));
        var frame = Assert.Single(document.ToFrames());
        Assert.Equal(["Height-retrace", "Amplitude-retrace", "Deflection-retrace", "Phase-retrace"], frame.Channels.Select(c => c.Descriptor.Key));
        Assert.Equal(["m", "m", "m", "deg"], frame.Channels.Select(c => c.Unit.Symbol));
        Assert.All(frame.Channels, c => Assert.Equal((256, 256), (c.Width, c.Height)));
        Assert.Equal(1.003921568627451e-05, frame.SizeX);
        Assert.Equal(1.003921568627451e-05, frame.SizeY);
        Assert.Equal(-3.858531272271648e-10, document.Channels[0].Field.Data[0]);
        Assert.Equal(-3.6632741284847725e-10, document.Channels[0].Field.Data[12345]);
        Assert.Equal(-47.29185104370117, document.Channels[3].Field.Data[0]);
        Assert.Equal((float)-3.858531272271648e-10, frame.Channels[0].Data[0]);
        Assert.Equal("1.0016", frame.Metadata["ScanRate"]);
        Assert.Equal("Cypher", frame.Metadata["MicroscopeModel"]);
        Assert.Equal("34.957 °C", frame.Metadata["ATC Exit Temp"]);
    }

    [Theory]
    [InlineData("PTO_110_Virgin0001.gwy")]
    [InlineData("GwiddionReader_chip.gwy")]
    public void ReadFrame_SamplesDecodedStraightToFloat_EqualTheDoublesNarrowed(string file)
    {
        var path = TestData.SamplePath(file);
        var document = GwyReader.Read(path);

        var frame = GwyReader.ReadFrame(path);

        Assert.Equal(document.ToFrames()[0].Channels.Count, frame.Channels.Count);
        for (var c = 0; c < frame.Channels.Count; c++)
        {
            var doubles = document.Channels[c].Field.Data;
            Assert.Equal(doubles.Select(v => (float)v), frame.Channels[c].Data.ToArray());
        }
    }

    [Fact]
    public void Read_Gwyddion1Sample_MatchesItsGsfTwinAndDropsUnitPrefix()
    {
        var document = GwyReader.Read(TestData.SamplePath("GwiddionReader_chip.gwy"));
        var gsf = GsfReader.Read(TestData.SamplePath("GwiddionReader_chip.gsf"));

        Assert.True(document.IsGwyddion1);
        var channel = Assert.Single(document.Channels);
        Assert.Equal((300, 300), (channel.Field.XRes, channel.Field.YRes));
        Assert.Equal(8e-5, channel.Field.XReal, 1e-18);
        Assert.Equal(8e-5, channel.Field.YReal, 1e-18);
        Assert.Equal(PhysicalUnit.Metre, channel.Field.XYUnit);
        Assert.Equal(PhysicalUnit.Metre, channel.Field.ZUnit);
        Assert.Equal("Blue", channel.Palette);
        var frame = Assert.Single(document.ToFrames());
        Assert.Equal("/home/yeti/Projects/Gwyddion/data-samples/chip_b_a.zfr", frame.Metadata["gwy/filename"]);
        Assert.True(gsf.Channels[0].Data.SequenceEqual(frame.Channels[0].Data), "the .gwy and .gsf copies of the chip differ");
    }

    [Fact]
    public void Read_TruncatedSamples_ThrowAfmFormatException()
    {
        foreach (var name in new[] { "PTO_110_Virgin0001.gwy", "GwiddionReader_chip.gwy" })
        {
            var bytes = TestData.SampleBytes(name);
            foreach (var length in new[] { 0, 3, 4, 10, 20, 30, 64, 200, 1000, bytes.Length / 2, bytes.Length - 1 })
            {
                var ex = Assert.Throws<AfmFormatException>(() => GwyReader.Read(new MemoryStream(bytes[..length]), "cut.gwy"));
                Assert.Contains("cut.gwy", ex.Message, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Read_HugeArrayCount_ThrowsBeforeAllocating()
    {
        var bytes = WriteSmall();
        var dataTag = IndexOf(bytes, "data\0D"u8) + 6;
        BitConverter.TryWriteBytes(bytes.AsSpan(dataTag, 4), 0x7FFF_FFFFu);

        var ex = Assert.Throws<AfmFormatException>(() => GwyReader.Read(new MemoryStream(bytes), "huge.gwy"));

        Assert.Contains("GwyDataField.data", ex.Field, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_XresDisagreesWithData_ThrowsNamingXres()
    {
        var bytes = WriteSmall();
        var xres = IndexOf(bytes, "xres\0i"u8) + 6;
        BitConverter.TryWriteBytes(bytes.AsSpan(xres, 4), 5);

        var ex = Assert.Throws<AfmFormatException>(() => GwyReader.Read(new MemoryStream(bytes), "xres.gwy"));

        Assert.Equal("/0/data.data", ex.Field);
    }

    [Fact]
    public void Read_UnknownTypeTag_ThrowsAfmFormatException()
    {
        var bytes = WriteSmall();
        bytes[IndexOf(bytes, "xres\0i"u8) + 5] = (byte)'z';

        Assert.Throws<AfmFormatException>(() => GwyReader.Read(new MemoryStream(bytes)));
    }

    [Fact]
    public void Read_GarbageAndDeepNesting_ThrowAfmFormatException()
    {
        Assert.Throws<AfmFormatException>(() => GwyReader.Read(new MemoryStream(Encoding.ASCII.GetBytes("GWYQ garbage"))));

        var deep = new GwyObject("GwyContainer");
        for (var i = 0; i < 100; i++)
        {
            deep = new GwyObject("GwyContainer").Add("/x", deep);
        }

        using var stream = new MemoryStream();
        GwySerializer.WriteFile(stream, deep);
        stream.Position = 0;
        var ex = Assert.Throws<AfmFormatException>(() => GwyReader.Read(stream));
        Assert.Contains("nested", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ContainerWithoutChannels_ThrowsAfmFormatException()
    {
        using var stream = new MemoryStream();
        GwySerializer.WriteFile(stream, new GwyObject("GwyContainer").Add("/filename", "x"));
        stream.Position = 0;

        Assert.Throws<AfmFormatException>(() => GwyReader.Read(stream));
    }

    [Theory]
    [InlineData("Height-retrace", "Height", ScanDirection.Retrace)]
    [InlineData("HeightTrace", "Height", ScanDirection.Trace)]
    [InlineData("PhaseRetrace", "Phase", ScanDirection.Retrace)]
    [InlineData("Z (Forward)", "Z", ScanDirection.Trace)]
    [InlineData("Z (Backward)", "Z", ScanDirection.Retrace)]
    [InlineData("Current [bwd]", "Current", ScanDirection.Retrace)]
    [InlineData("Topography", "Topography", ScanDirection.Trace)]
    public void Read_ChannelTitle_SplitsIntoNameAndDirection(string title, string name, ScanDirection direction)
    {
        var field = GwyDataField.FromChannel(TestData.Ramp("x", PhysicalUnit.Metre, 2, 2), 1, 1);
        using var stream = new MemoryStream();
        GwyWriter.Write(stream, [new GwyChannel(3, title, field, null, new Dictionary<string, string>())]);
        stream.Position = 0;

        var channel = GwyReader.Read(stream).ToFrames()[0].Channels[0];

        Assert.Equal((name, direction), (channel.Name, channel.Direction));
    }

    [Fact]
    public void ToFrames_ChannelsOfDifferentGrids_GiveOneFramePerGrid()
    {
        var small = GwyDataField.FromChannel(TestData.Ramp("a", PhysicalUnit.Metre, 2, 2), 1e-6, 1e-6);
        var large = GwyDataField.FromChannel(TestData.Ramp("b", PhysicalUnit.Volt, 4, 3), 2e-6, 1e-6);
        var empty = new Dictionary<string, string>();
        using var stream = new MemoryStream();
        GwyWriter.Write(stream, [new GwyChannel(0, "A", small, null, empty), new GwyChannel(1, "B", large, null, empty), new GwyChannel(2, "A", small, null, empty)]);
        stream.Position = 0;

        var frames = GwyReader.Read(stream).ToFrames();

        Assert.Equal(2, frames.Count);
        Assert.Equal(["A", "A 2"], frames[0].Channels.Select(c => c.Name));
        Assert.Equal((4, 3, 2e-6), (frames[1].Width, frames[1].Height, frames[1].SizeX));
    }

    private static byte[] WriteSmall()
    {
        var channel = TestData.Ramp("Height", PhysicalUnit.Metre, 4, 3);
        var frame = new Frame(default, new ScanSettings { SizeX = 1e-6, SizeY = 1e-6, PixelsX = 4, PixelsY = 3, LineRateHz = 1 }, [channel]);
        using var stream = new MemoryStream();
        GwyWriter.Write(stream, frame, new GwyWriteOptions { IncludeMetadata = false });
        return stream.ToArray();
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle)
    {
        var index = haystack.AsSpan().IndexOf(needle);
        Assert.True(index >= 0);
        return index;
    }
}
