using System.Runtime.InteropServices;
using AfmEdge.Core;
using AfmEdge.Formats.Gsf;

namespace AfmEdge.Formats.Tests;

public sealed class ChannelBufferPoolTests
{
    [Fact]
    public void Rent_AfterFrameReturned_HandsOutTheSameArray()
    {
        var pool = new ChannelBufferPool();
        var array = pool.Rent(12);
        var frame = FrameOf(array, 4, 3);

        pool.Return(frame);

        Assert.Equal(12 * sizeof(float), pool.RetainedBytes);
        Assert.Same(array, pool.Rent(12));
        Assert.Equal(0, pool.RetainedBytes);
    }

    [Fact]
    public void Rent_OtherLength_IsANewArrayOfExactlyThatLength()
    {
        var pool = new ChannelBufferPool();
        var array = pool.Rent(12);
        pool.Return(FrameOf(array, 4, 3));

        var other = pool.Rent(20);

        Assert.NotSame(array, other);
        Assert.Equal(20, other.Length);
    }

    [Fact]
    public void Return_SameFrameTwice_HandsItsArrayOutOnlyOnce()
    {
        var pool = new ChannelBufferPool();
        var frame = FrameOf(pool.Rent(12), 4, 3);

        pool.Return(frame);
        pool.Return(frame);

        Assert.NotSame(pool.Rent(12), pool.Rent(12));
    }

    [Fact]
    public void Return_BeyondMaxRetainedBytes_KeepsOnlyWhatFits()
    {
        var pool = new ChannelBufferPool(maxRetainedBytes: 12 * sizeof(float));
        var frame = new Frame(new FrameId(DateTimeOffset.UnixEpoch, 0), Scan(4, 3),
        [
            new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), 4, 3, new float[12]),
            new Channel(new ChannelDescriptor("Current", PhysicalUnit.Ampere), 4, 3, new float[12]),
        ]);

        pool.Return(frame);

        Assert.Equal(12 * sizeof(float), pool.RetainedBytes);
        Assert.Equal(12 * sizeof(float), pool.MaxRetainedBytes);
    }

    [Fact]
    public void Rent_ZeroLength_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChannelBufferPool().Rent(0));
    }

    [Fact]
    public void Constructor_NegativeBound_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChannelBufferPool(-1));
    }

    public static TheoryData<string> SampleFiles =>
    [
        "GwiddionReader_chip.gsf", "GwiddionReader_chip.gwy", "PTO_110_Virgin0001.gwy", "nanoscope_v5_multi.spm",
        "IgorIBWReader_P0089OP0027.ibw", "A151216.123306-02602.sxm",
    ];

    /// <summary>
    /// Every importer must write each sample of a channel it rents: the pool is first filled with NaN arrays of the
    /// file's channel sizes, and the pooled open must still equal a fresh one bit for bit.
    /// </summary>
    [Theory]
    [MemberData(nameof(SampleFiles))]
    public void OpenAll_SampleIntoReturnedArrays_EqualsAFreshOpen(string file)
    {
        AssertPooledOpenEqualsFresh(TestData.SampleBytes(file), file);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OpenAll_JpkIntoReturnedArrays_EqualsAFreshOpen(bool bigEndian)
    {
        AssertPooledOpenEqualsFresh(JpkTests.BuildScan(bigEndian), "scan.jpk");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void OpenAll_AsdIntoReturnedArrays_EqualsAFreshOpen(int version)
    {
        AssertPooledOpenEqualsFresh(AsdTests.Build(version), "movie.asd");
    }

    [Fact]
    public void OpenAll_StreamWithPool_ReusesTheReturnedArrays()
    {
        var bytes = TestData.SampleBytes("PTO_110_Virgin0001.gwy");
        var pool = new ChannelBufferPool(long.MaxValue);
        var first = FrameImporter.OpenAll(new MemoryStream(bytes, writable: false), "a.gwy", pool);
        var arrays = first.SelectMany(f => f.Channels).Select(c => ArrayOf(c)).ToHashSet(ReferenceEqualityComparer.Instance);
        pool.Return(first);

        var second = FrameImporter.OpenAll(new MemoryStream(bytes, writable: false), "a.gwy", pool);

        Assert.All(second.SelectMany(f => f.Channels), c => Assert.Contains(ArrayOf(c), arrays));
    }

    [Fact]
    public void ChannelFolderOpen_WithPool_ReusesArraysAndKeepsTheSamples()
    {
        var directory = Directory.CreateTempSubdirectory("afmedge-pool-");
        try
        {
            var height = TestData.Ramp("Height", PhysicalUnit.Metre, 8, 6);
            var current = TestData.Ramp("Current", PhysicalUnit.Ampere, 8, 6, scale: 1e-12f);
            GsfWriter.Write(Path.Combine(directory.FullName, "Height.gsf"), height, 1e-6, 1e-6, "Height");
            GsfWriter.Write(Path.Combine(directory.FullName, "Current.gsf"), current, 1e-6, 1e-6, "Current");
            var pool = new ChannelBufferPool();
            var first = ChannelFolder.Open(directory.FullName, pool);
            var arrays = first.Channels.Select(c => ArrayOf(c)).ToHashSet(ReferenceEqualityComparer.Instance);
            pool.Return(first);

            var second = ChannelFolder.Open(directory.FullName, pool);

            Assert.All(second.Channels, c => Assert.Contains(ArrayOf(c), arrays));
            Assert.Equal(height.Data.ToArray(), second.GetChannel("Height").Data.ToArray());
            Assert.Equal(current.Data.ToArray(), second.GetChannel("Current").Data.ToArray());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static void AssertPooledOpenEqualsFresh(byte[] bytes, string fileName)
    {
        var fresh = FrameImporter.OpenAll(new MemoryStream(bytes, writable: false), fileName);
        var pool = new ChannelBufferPool(long.MaxValue);
        foreach (var channel in fresh.SelectMany(f => f.Channels))
        {
            var poison = new float[channel.Data.Length];
            Array.Fill(poison, float.NaN);
            pool.Return(FrameOf(poison, channel.Width, channel.Height));
        }

        var pooled = FrameImporter.OpenAll(new MemoryStream(bytes, writable: false), fileName, pool);

        Assert.Equal(0, pool.RetainedBytes);
        Assert.Equal(fresh.Count, pooled.Count);
        for (var f = 0; f < fresh.Count; f++)
        {
            Assert.Equal(fresh[f].Channels.Select(c => c.Descriptor.Key), pooled[f].Channels.Select(c => c.Descriptor.Key));
            for (var c = 0; c < fresh[f].Channels.Count; c++)
            {
                Assert.Equal(Bits(fresh[f].Channels[c]), Bits(pooled[f].Channels[c]));
            }
        }
    }

    private static float[] ArrayOf(Channel channel) =>
        MemoryMarshal.TryGetArray(channel.Memory, out var segment) ? segment.Array! : throw new InvalidOperationException("no array");

    private static int[] Bits(Channel channel) => MemoryMarshal.Cast<float, int>(channel.Data).ToArray();

    private static ScanSettings Scan(int width, int height) =>
        new() { SizeX = 1e-6, SizeY = 1e-6, PixelsX = width, PixelsY = height, LineRateHz = 1 };

    private static Frame FrameOf(float[] data, int width, int height) =>
        new(new FrameId(DateTimeOffset.UnixEpoch, 0), Scan(width, height), [new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), width, height, data)]);
}
