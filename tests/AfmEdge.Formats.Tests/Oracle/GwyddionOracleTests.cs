using AfmEdge.Core;
using AfmEdge.Formats.Gsf;
using AfmEdge.Formats.Gwy;

namespace AfmEdge.Formats.Tests.Oracle;

/// <summary>
/// AfmEdge's readers and writers against Gwyddion 2.62 itself (tests/gwyddion-oracle). Orientation: both keep
/// row 0 as the top row of the displayed image, so pixels compare index for index with no flip or sign change.
/// </summary>
public sealed class GwyddionOracleTests
{
    /// <summary>AfmEdge keeps samples as float32; rounding a double to float is within 2^-24 ≈ 6e-8 relative.</summary>
    private const double RelativeTolerance = 1e-6;

    public static TheoryData<string> Samples =>
    [
        "nanoscope_v5_multi.spm",
        "IgorIBWReader_P0089OP0027.ibw",
        "GwiddionReader_chip.gwy",
        "PTO_110_Virgin0001.gwy",
        "GwiddionReader_chip.gsf",
        "A151216.123306-02602.sxm",
    ];

    [Theory]
    [MemberData(nameof(Samples))]
    public void OpenAll_EverySample_EqualsGwyddionChannelForChannel(string file)
    {
        GwyddionOracle.Require();
        var path = TestData.SamplePath(file);

        var expected = GwyddionOracle.Dump(path);
        var frames = FrameImporter.OpenAll(path);

        var actual = frames.SelectMany(f => f.Channels.Select(c => (Frame: f, Channel: c))).ToList();
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            AssertSameChannel(expected[i], actual[i].Frame, actual[i].Channel, file);
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void GwyWriter_EverySample_GwyddionReadsBackWhatAfmEdgeReadsBitForBit(string file)
    {
        GwyddionOracle.Require();
        var frames = FrameImporter.OpenAll(TestData.SamplePath(file));
        using var directory = new TempDirectory();

        for (var f = 0; f < frames.Count; f++)
        {
            var written = Path.Combine(directory.Path, $"frame{f}.gwy");
            GwyWriter.Write(written, frames[f]);

            var gwyddion = GwyddionOracle.Dump(written);
            var reread = FrameImporter.OpenAll(written);

            Assert.Equal(frames[f].Channels.Count, gwyddion.Count);
            var rereadFrame = Assert.Single(reread);
            for (var c = 0; c < gwyddion.Count; c++)
            {
                var channel = frames[f].Channels[c];
                Assert.Equal(channel.Descriptor.Key, gwyddion[c].Title);
                AssertSameChannel(gwyddion[c], frames[f], channel, written);
                AssertExactlyEqual(gwyddion[c], channel);
                Assert.Equal(channel.Descriptor, rereadFrame.Channels[c].Descriptor);
                Assert.True(channel.Data.SequenceEqual(rereadFrame.Channels[c].Data), $"{written}: {channel.Descriptor.Key} changed in AfmEdge's round trip");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void GsfWriter_FirstTwoChannelsOfEverySample_GwyddionReadsBackExactly(string file)
    {
        GwyddionOracle.Require();
        var frames = FrameImporter.OpenAll(TestData.SamplePath(file));
        using var directory = new TempDirectory();

        foreach (var frame in frames)
        {
            // Each oracle run loads all of Gwyddion's modules (~0.25 s); two channels per frame cover a trace and,
            // where the file has one, a retrace title. The .gwy test above covers every channel.
            foreach (var channel in frame.Channels.Take(2))
            {
                var written = Path.Combine(directory.Path, "channel.gsf");
                using (var stream = File.Create(written))
                {
                    GsfWriter.Write(stream, frame, channel.Descriptor.Key);
                }

                var gwyddion = Assert.Single(GwyddionOracle.Dump(written));
                var reread = GsfReader.Read(written);

                Assert.Equal(channel.Descriptor.Key, gwyddion.Title);
                AssertSameChannel(gwyddion, frame, channel, written);
                AssertExactlyEqual(gwyddion, channel);
                Assert.True(channel.Data.SequenceEqual(Assert.Single(reread.Channels).Data), $"{written}: {channel.Descriptor.Key} changed in AfmEdge's round trip");
            }
        }
    }

    [Fact]
    public void GwyWriter_OffsetsPrefixFreeUnitsAndSpecialTitles_GwyddionReadsThemBack()
    {
        GwyddionOracle.Require();
        var scan = new ScanSettings { SizeX = 3e-6, SizeY = 1.5e-6, PixelsX = 24, PixelsY = 12, LineRateHz = 1, OffsetX = -2e-6, OffsetY = 5e-7 };
        Channel[] channels =
        [
            TestData.Ramp("Height", PhysicalUnit.Metre, 24, 12),
            TestData.Ramp("Current \"probe 2\"", PhysicalUnit.Ampere, 24, 12, ScanDirection.Retrace, 1e-12f),
            TestData.Ramp("Phase", PhysicalUnit.Degree, 24, 12, scale: 0.1f),
            TestData.Ramp("Ratio", PhysicalUnit.Dimensionless, 24, 12, scale: 1f),
        ];
        var frame = new Frame(new FrameId(DateTimeOffset.UnixEpoch, 1), scan, channels);
        using var directory = new TempDirectory();
        var written = Path.Combine(directory.Path, "special.gwy");

        GwyWriter.Write(written, frame);
        var gwyddion = GwyddionOracle.Dump(written);

        Assert.Equal(channels.Select(c => c.Descriptor.Key), gwyddion.Select(g => g.Title));
        for (var i = 0; i < channels.Length; i++)
        {
            AssertSameChannel(gwyddion[i], frame, channels[i], written);
            AssertExactlyEqual(gwyddion[i], channels[i]);
        }
    }

    private static void AssertSameChannel(OracleChannel expected, Frame frame, Channel channel, string file)
    {
        var what = $"{file} channel {expected.Id} '{expected.Title}' vs '{channel.Descriptor.Key}'";
        Assert.True(expected.XRes == channel.Width && expected.YRes == channel.Height,
            $"{what}: Gwyddion {expected.XRes}×{expected.YRes}, AfmEdge {channel.Width}×{channel.Height}");
        AssertClose(expected.XReal, frame.SizeX, 1e-12, what + " x size");
        AssertClose(expected.YReal, frame.SizeY, 1e-12, what + " y size");
        AssertClose(expected.XOffset, frame.Scan.OffsetX, 1e-12, what + " x offset");
        AssertClose(expected.YOffset, frame.Scan.OffsetY, 1e-12, what + " y offset");
        Assert.True(expected.XyUnit == "m", $"{what}: Gwyddion's lateral unit is '{expected.XyUnit}', AfmEdge's is metres");
        Assert.True(expected.ZUnit == channel.Unit.Symbol, $"{what}: Gwyddion's unit is '{expected.ZUnit}', AfmEdge's '{channel.Unit.Symbol}'");
        if (expected.Title.Length > 0)
        {
            Assert.True(expected.Title.StartsWith(channel.Name, StringComparison.Ordinal), $"{what}: names differ");
        }

        if (IsBackward(expected.Title))
        {
            Assert.True(channel.Direction == ScanDirection.Retrace, $"{what}: Gwyddion's title says backward, AfmEdge says {channel.Direction}");
        }

        var data = channel.Data;
        var worst = 0.0;
        var worstAt = -1;
        for (var i = 0; i < data.Length; i++)
        {
            var e = expected.Data[i];
            var error = Math.Abs(data[i] - e);
            var allowed = RelativeTolerance * Math.Abs(e);
            if (error > allowed && error - allowed > worst)
            {
                worst = error - allowed;
                worstAt = i;
            }
        }

        Assert.True(worstAt < 0, worstAt < 0 ? string.Empty
            : $"{what}: pixel ({worstAt % expected.XRes}, {worstAt / expected.XRes}) is {data[worstAt]:R} in AfmEdge, {expected.Data[worstAt]:R} in Gwyddion");
    }

    /// <summary>What AfmEdge writes holds float32 values, which Gwyddion widens to double without loss.</summary>
    private static void AssertExactlyEqual(OracleChannel expected, Channel channel)
    {
        var data = channel.Data;
        for (var i = 0; i < data.Length; i++)
        {
            if (!(expected.Data[i] == data[i] || (double.IsNaN(expected.Data[i]) && float.IsNaN(data[i]))))
            {
                Assert.Fail($"'{channel.Descriptor.Key}' pixel {i}: wrote {data[i]:R}, Gwyddion read {expected.Data[i]:R}");
            }
        }
    }

    private static bool IsBackward(string title) =>
        title.EndsWith("Retrace", StringComparison.Ordinal) || title.Contains("backward", StringComparison.OrdinalIgnoreCase)
        || title.Contains("[bwd]", StringComparison.OrdinalIgnoreCase) || title.EndsWith("-retrace", StringComparison.Ordinal);

    private static void AssertClose(double expected, double actual, double relative, string what) =>
        Assert.True(Math.Abs(expected - actual) <= relative * Math.Max(Math.Abs(expected), double.Epsilon),
            $"{what}: Gwyddion {expected:R}, AfmEdge {actual:R}");

    private sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("afmedge-oracle-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
