using System.Buffers.Binary;
using System.Text;
using AfmEdge.Core;
using AfmEdge.Formats.Jpk;
using AfmEdge.Formats.Tests.Oracle;

namespace AfmEdge.Formats.Tests;

/// <summary>JPK scans built byte by byte from the tag layout in Gwyddion's jpk.h, read by AfmEdge and by Gwyddion.</summary>
public sealed class JpkTests
{
    private const int Width = 6;
    private const int Height = 4;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Read_BuiltScan_HasScaledTraceAndRetraceChannelsBottomRowFirst(bool bigEndian)
    {
        var bytes = BuildScan(bigEndian);

        var frame = Assert.Single(JpkReader.ReadFrames(new MemoryStream(bytes), "scan.jpk"));

        Assert.Equal((Width, Height), (frame.Width, frame.Height));
        Assert.Equal((3e-6, 2e-6), (frame.SizeX, frame.SizeY));
        Assert.Equal((-1e-6, 5e-7), (frame.Scan.OffsetX, frame.Scan.OffsetY));
        Assert.Equal(4.0, frame.Scan.LineRateHz, 12);
        Assert.Equal("JPK image scan (TIFF)", frame.Metadata["format"]);
        Assert.Equal("built from jpk.h", frame.Metadata["jpk.Name"]);
        Assert.Equal(
            ["Height", "height-retrace", "Error"],
            frame.Channels.Select(c => c.Descriptor.Key));
        Assert.Equal([PhysicalUnit.Metre, PhysicalUnit.Metre, PhysicalUnit.Volt], frame.Channels.Select(c => c.Unit));
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                // Stored row r is image row Height-1-r, except on the page that sets Grid_Reflect.
                var stored = Height - 1 - y;
                Assert.Equal((float)(((float)FloatSample(x, stored) * 2e-9) + 1e-8), frame.Channels[0][x, y]);
                Assert.Equal((float)((Int16Sample(x, stored) * 3e-10) - 2e-9), frame.Channels[1][x, y]);
                Assert.Equal((float)((UInt16Sample(x, y) * 1e-4) - 3.0), frame.Channels[2][x, y]);
            }
        }
    }

    /// <summary>
    /// Big-endian, as JPK writes its scans: for a little-endian TIFF, Gwyddion 2.62 prefers its generic image
    /// loader ("Gray" channel) over jpkscan, so there is no JPK reading of it to compare with.
    /// </summary>
    [Fact]
    public void Read_BuiltBigEndianScan_EqualsGwyddion()
    {
        const bool bigEndian = true;
        GwyddionOracle.Require();
        var path = Path.Combine(Directory.CreateTempSubdirectory("afmedge-jpk-").FullName, "scan.jpk");
        File.WriteAllBytes(path, BuildScan(bigEndian));

        var expected = GwyddionOracle.Dump(path);
        var frame = Assert.Single(FrameImporter.OpenAll(path));

        Assert.Equal(["Height", "height (retrace)", "Error"], expected.Select(e => e.Title));
        Assert.Equal(frame.Channels.Count, expected.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var g = expected[i];
            var c = frame.Channels[i];
            Assert.Equal((g.XRes, g.YRes), (c.Width, c.Height));
            Assert.Equal((g.XReal, g.YReal, g.XOffset, g.YOffset), (frame.SizeX, frame.SizeY, frame.Scan.OffsetX, frame.Scan.OffsetY));
            Assert.Equal(g.ZUnit, c.Unit.Symbol);
            for (var p = 0; p < g.Data.Length; p++)
            {
                Assert.True(Math.Abs(c.Data[p] - g.Data[p]) <= 1e-6 * Math.Abs(g.Data[p]), $"{g.Title} pixel {p}: AfmEdge {c.Data[p]:R}, Gwyddion {g.Data[p]:R}");
            }
        }

        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    [Fact]
    public void Read_PrefixedEncoderUnit_IsFoldedIntoTheScale()
    {
        var bytes = BuildScan(bigEndian: true, heightUnit: "nm");

        var frame = Assert.Single(JpkReader.ReadFrames(new MemoryStream(bytes), "nm.jpk"));

        Assert.Equal(PhysicalUnit.Metre, frame.Channels[0].Unit);
        var expected = (((float)FloatSample(0, Height - 1) * 2e-9) + 1e-8) * 1e-9;
        Assert.Equal(expected, frame.Channels[0][0, 0], Math.Abs(expected) * 1e-6);
    }

    [Fact]
    public void Open_TiffWithoutJpkGrid_ThrowsNamingTheGrid()
    {
        var bytes = BuildScan(bigEndian: false, withGrid: false);

        var ex = Assert.Throws<AfmFormatException>(() => FrameImporter.OpenAll(new MemoryStream(bytes), "plain.tif"));

        Assert.Contains("Grid_uLength", ex.Field, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DefaultSlotNotAmongSlots_ThrowsNamingDefaultSlot()
    {
        var bytes = BuildScan(bigEndian: true, defaultSlot: "volts");

        var ex = Assert.Throws<AfmFormatException>(() => JpkReader.ReadFrames(new MemoryStream(bytes), "slot.jpk"));

        Assert.Contains("DefaultSlot", ex.Field, StringComparison.Ordinal);
        Assert.Contains("\"volts\"", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    [InlineData(200)]
    public void Read_Truncated_ThrowsAfmFormatException(int cut)
    {
        var bytes = BuildScan(bigEndian: true);

        Assert.Throws<AfmFormatException>(() => JpkReader.ReadFrames(new MemoryStream(bytes[..^cut]), "cut.jpk"));
    }

    [Fact]
    public void Open_MutatedScans_EndInFrameOrAfmFormatException()
    {
        var original = BuildScan(bigEndian: true);
        var random = new Random(1234);
        var rejected = 0;
        for (var i = 0; i < 300; i++)
        {
            var kind = (MutationTests.MutationKind)random.Next(6);
            var mutation = new MutationTests.Mutation(0, kind, random.NextDouble(), random.Next(), 1 + random.Next(16), InHeader: false);
            var bytes = MutationTests.Apply(original, mutation, original.Length);
            try
            {
                Assert.NotEmpty(FrameImporter.OpenAll(new MemoryStream(bytes), "mutated.jpk"));
            }
            catch (AfmFormatException ex)
            {
                Assert.Contains("mutated.jpk", ex.Message, StringComparison.Ordinal);
                rejected++;
            }
        }

        Assert.InRange(rejected, 1, 299);
    }

    private static double FloatSample(int x, int row) => Math.Sin((x * 0.7) + row) * 100;

    private static short Int16Sample(int x, int row) => (short)((x * 1000) - (row * 7919) + 123);

    private static ushort UInt16Sample(int x, int row) => (ushort)((x * 9000) + (row * 311));

    /// <summary>
    /// A thumbnail page carrying the JPK scan tags, then three channel pages: float32 height (trace),
    /// int16 height (retrace, two strips) and uint16 error in volts with Grid_Reflect set on its page.
    /// </summary>
    internal static byte[] BuildScan(bool bigEndian, string heightUnit = "m", string defaultSlot = "nominal", bool withGrid = true)
    {
        var tiff = new TiffBuilder(bigEndian);

        var thumbnail = tiff.AddPage();
        thumbnail.Image(2, 2, [8, 8, 8], photometric: 2, sampleFormat: 1, rowsPerStrip: 2, new byte[12]);
        if (withGrid)
        {
            thumbnail.Double(JpkReader.GridX0, -1e-6).Double(JpkReader.GridY0, 5e-7)
                .Double(JpkReader.GridULength, 3e-6).Double(JpkReader.GridVLength, 2e-6);
        }

        thumbnail.Double(JpkReader.ScanrateFrequency, 2.0).Double(JpkReader.ScanrateDutycycle, 0.5).Ascii(0x8004, "built from jpk.h");

        // Gwyddion recognises a JPK scan by the grid size and a channel name in the first directory.
        thumbnail.Ascii(JpkReader.ChannelTag, "height");

        var height = tiff.AddPage();
        height.Image(Width, Height, [32], photometric: 1, sampleFormat: 3, rowsPerStrip: Height,
            Samples(4, (x, row, span) => tiff.WriteSingle(span, (float)FloatSample(x, row))));
        Channel(height, "height", "Height", retrace: false, heightUnit, 2e-9, 1e-8, defaultSlot);

        var retrace = tiff.AddPage();
        retrace.Image(Width, Height, [16], photometric: 1, sampleFormat: 2, rowsPerStrip: 3,
            Samples(2, (x, row, span) => tiff.WriteUInt16(span, (ushort)Int16Sample(x, row))));
        Channel(retrace, "height", null, retrace: true, "m", 3e-10, -2e-9, defaultSlot);

        var error = tiff.AddPage();
        error.Image(Width, Height, [16], photometric: 1, sampleFormat: 1, rowsPerStrip: Height,
            Samples(2, (x, row, span) => tiff.WriteUInt16(span, UInt16Sample(x, row))));
        Channel(error, "error", "Error", retrace: false, "V", 1e-4, -3.0, defaultSlot);
        error.Short(JpkReader.GridReflect, 1);

        return tiff.Build();
    }

    private static void Channel(TiffBuilder.Page page, string channel, string? fancy, bool retrace, string unit, double multiply, double offset, string defaultSlot)
    {
        page.Ascii(JpkReader.ChannelTag, channel).Short(JpkReader.ChannelRetrace, retrace ? (ushort)1 : (ushort)0)
            .Short(JpkReader.NrOfSlots, 2).Ascii(JpkReader.DefaultSlot, defaultSlot)
            .Ascii(JpkReader.SlotName(0), "raw").Ascii(JpkReader.ScalingType(0), "NullScaling").Ascii(JpkReader.EncoderUnit(0), "")
            .Ascii(JpkReader.SlotName(1), "nominal").Ascii(JpkReader.ScalingType(1), "LinearScaling").Ascii(JpkReader.EncoderUnit(1), unit)
            .Double(JpkReader.ScalingMultiply(1), multiply).Double(JpkReader.ScalingOffset(1), offset);
        if (fancy is not null)
        {
            page.Ascii(JpkReader.ChannelFancyName, fancy);
        }
    }

    private delegate void SampleWriter(int x, int row, Span<byte> target);

    private static byte[] Samples(int size, SampleWriter write)
    {
        var bytes = new byte[Width * Height * size];
        for (var row = 0; row < Height; row++)
        {
            for (var x = 0; x < Width; x++)
            {
                write(x, row, bytes.AsSpan(((row * Width) + x) * size, size));
            }
        }

        return bytes;
    }

    /// <summary>A minimal classic-TIFF writer: pages of tagged entries and uncompressed strips, in either byte order.</summary>
    internal sealed class TiffBuilder(bool bigEndian)
    {
        private readonly List<Page> _pages = [];

        public Page AddPage()
        {
            var page = new Page(this);
            _pages.Add(page);
            return page;
        }

        public void WriteUInt16(Span<byte> target, ushort value)
        {
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt16BigEndian(target, value);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(target, value);
            }
        }

        public void WriteUInt32(Span<byte> target, uint value)
        {
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt32BigEndian(target, value);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(target, value);
            }
        }

        public void WriteSingle(Span<byte> target, float value) => WriteUInt32(target, BitConverter.SingleToUInt32Bits(value));

        public byte[] Build()
        {
            using var file = new MemoryStream();
            var word = new byte[4];
            file.Write(bigEndian ? "MM\0*"u8 : "II*\0"u8);
            var nextPointer = 4L;
            file.Write(new byte[4]);
            foreach (var page in _pages)
            {
                // Strips first: the page's StripOffsets point at them.
                var stripOffsets = new List<uint>();
                foreach (var strip in page.Strips)
                {
                    stripOffsets.Add((uint)file.Position);
                    file.Write(strip);
                }

                page.Longs(273, [.. stripOffsets]).Longs(279, [.. page.Strips.Select(s => (uint)s.Length)]);
                var entries = page.Entries.OrderBy(e => e.Tag).ToList();
                var valueOffsets = new Dictionary<ushort, uint>();
                foreach (var e in entries.Where(e => e.Value.Length > 4))
                {
                    Align(file);
                    valueOffsets[e.Tag] = (uint)file.Position;
                    file.Write(e.Value);
                }

                Align(file);
                var ifd = (uint)file.Position;
                Patch(file, nextPointer, ifd);
                var buffer = new byte[2 + (12 * entries.Count) + 4];
                WriteUInt16(buffer, (ushort)entries.Count);
                for (var i = 0; i < entries.Count; i++)
                {
                    var at = buffer.AsSpan(2 + (12 * i), 12);
                    var e = entries[i];
                    WriteUInt16(at, e.Tag);
                    WriteUInt16(at[2..], e.Type);
                    WriteUInt32(at[4..], e.Count);
                    if (e.Value.Length > 4)
                    {
                        WriteUInt32(at[8..], valueOffsets[e.Tag]);
                    }
                    else
                    {
                        e.Value.CopyTo(at[8..]);
                    }
                }

                file.Write(buffer);
                nextPointer = file.Position - 4;
            }

            return file.ToArray();

            void Patch(MemoryStream stream, long at, uint value)
            {
                var end = stream.Position;
                WriteUInt32(word, value);
                stream.Position = at;
                stream.Write(word);
                stream.Position = end;
            }
        }

        private static void Align(MemoryStream stream)
        {
            while (stream.Position % 4 != 0)
            {
                stream.WriteByte(0);
            }
        }

        internal sealed class Page(TiffBuilder owner)
        {
            public List<(ushort Tag, ushort Type, uint Count, byte[] Value)> Entries { get; } = [];

            public List<byte[]> Strips { get; } = [];

            public Page Image(int width, int height, ushort[] bits, ushort photometric, ushort sampleFormat, int rowsPerStrip, byte[] samples)
            {
                Longs(256, (uint)width).Longs(257, (uint)height).Shorts(258, bits).Short(259, 1).Short(262, photometric)
                    .Short(277, (ushort)bits.Length).Longs(278, (uint)rowsPerStrip).Short(339, sampleFormat);
                var rowBytes = samples.Length / height;
                for (var row = 0; row < height; row += rowsPerStrip)
                {
                    var rows = Math.Min(rowsPerStrip, height - row);
                    Strips.Add(samples.AsSpan(row * rowBytes, rows * rowBytes).ToArray());
                }

                return this;
            }

            public Page Ascii(ushort tag, string text)
            {
                var bytes = Encoding.ASCII.GetBytes(text + "\0");
                Entries.Add((tag, 2, (uint)bytes.Length, bytes));
                return this;
            }

            public Page Short(ushort tag, ushort value) => Shorts(tag, [value]);

            public Page Shorts(ushort tag, ushort[] values)
            {
                var bytes = new byte[Math.Max(4, values.Length * 2)];
                for (var i = 0; i < values.Length; i++)
                {
                    owner.WriteUInt16(bytes.AsSpan(i * 2), values[i]);
                }

                Entries.Add((tag, 3, (uint)values.Length, values.Length * 2 > 4 ? bytes[..(values.Length * 2)] : bytes));
                return this;
            }

            public Page Longs(ushort tag, params uint[] values)
            {
                var bytes = new byte[values.Length * 4];
                for (var i = 0; i < values.Length; i++)
                {
                    owner.WriteUInt32(bytes.AsSpan(i * 4), values[i]);
                }

                Entries.Add((tag, 4, (uint)values.Length, bytes));
                return this;
            }

            public Page Double(ushort tag, double value)
            {
                var bytes = new byte[8];
                var bits = BitConverter.DoubleToUInt64Bits(value);
                owner.WriteUInt32(bytes.AsSpan(owner.IsBigEndian ? 0 : 4), (uint)(bits >> 32));
                owner.WriteUInt32(bytes.AsSpan(owner.IsBigEndian ? 4 : 0), (uint)bits);
                Entries.Add((tag, 12, 1, bytes));
                return this;
            }
        }

        public bool IsBigEndian => bigEndian;
    }
}
