using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using AfmEdge.Core;
using CsCheck;

namespace AfmEdge.Formats.Tests;

/// <summary>
/// Mutated versions of every sample file (CsCheck): each parse ends in a valid frame or an
/// <see cref="AfmFormatException"/>, never another exception, never takes over a second, and never allocates
/// more than the file's own length can justify (so a header that claims a huge image cannot make us allocate it).
/// </summary>
public sealed class MutationTests
{
    /// <summary>
    /// Allocation allowed per parse: a pooled buffer for the bytes (allocated only when the pool has none large enough, and
    /// then up to twice the length, since the pool rounds up to a power of two), float32 channels, and small per-header
    /// objects. int16 Nanoscope samples become 4-byte floats (2× the bytes); .gwy float64 goes straight to float (0.5×).
    /// </summary>
    private const double AllowedBytesPerFileByte = 6.0;

    private const long AllowedFixedBytes = 4L << 20;

    private static readonly string[] Samples =
    [
        "nanoscope_v5_multi.spm",
        "IgorIBWReader_P0089OP0027.ibw",
        "GwiddionReader_chip.gwy",
        "PTO_110_Virgin0001.gwy",
        "GwiddionReader_chip.gsf",
        "A151216.123306-02602.sxm",
        "built.jpk",
        "built.asd",
    ];

    /// <summary>How a sample is damaged. Position is a fraction, mapped onto the structure-heavy start most of the time.</summary>
    public enum MutationKind
    {
        Truncate,
        FlipBytes,
        OverwriteWord,
        RewriteNumber,
        DeleteSpan,
        InsertSpan,
    }

    internal readonly record struct Mutation(int Sample, MutationKind Kind, double Position, int Value, int Count, bool InHeader)
    {
        public override string ToString() => $"{Samples[Sample]} {Kind} at {Position:F6}{(InHeader ? " (header)" : string.Empty)} value {Value} count {Count}";
    }

    private static readonly Gen<Mutation> Mutations = Gen.Select(
        Gen.Int[0, Samples.Length - 1],
        Gen.Enum<MutationKind>(),
        Gen.Double.Unit,
        Gen.Frequency(
            (3, Gen.Int),
            (1, Gen.OneOf(0, -1, 1, int.MaxValue, int.MinValue, 0x7FFF, 0x10000, 0x40000000))),
        Gen.Int[1, 16],
        Gen.Frequency((4, Gen.Const(true)), (1, Gen.Const(false))),
        (sample, kind, position, value, count, inHeader) => new Mutation(sample, kind, position, value, count, inHeader));

    private static readonly Lazy<byte[][]> Originals = new(() => [.. Samples.Select(Bytes)]);

    /// <summary>The shared real files, plus the JPK scan and .asd movie the format tests build (no real ones are shared).</summary>
    private static byte[] Bytes(string sample) => sample switch
    {
        "built.jpk" => JpkTests.BuildScan(bigEndian: true),
        "built.asd" => AsdTests.Build(2),
        _ => TestData.SampleBytes(sample),
    };

    [Fact]
    public void OpenAll_TwoHundredMutatedSamples_EndInFrameOrFormatErrorWithinBudgets() => Run(200);

    [Fact]
    [Trait("Category", "Slow")]
    public void OpenAll_TenThousandMutatedSamples_EndInFrameOrFormatErrorWithinBudgets() => Run(10_000);

    [Fact]
    public void OpenAll_UnmutatedSamples_StayWithinTheAllocationBudget()
    {
        for (var i = 0; i < Samples.Length; i++)
        {
            var bytes = Bytes(Samples[i]);
            FrameImporter.OpenAll(new MemoryStream(bytes), Samples[i]);
            var before = GC.GetAllocatedBytesForCurrentThread();
            FrameImporter.OpenAll(new MemoryStream(bytes), Samples[i]);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.True(allocated <= Budget(bytes.Length), $"{Samples[i]}: {allocated} bytes allocated for a {bytes.Length}-byte file");
        }
    }

    [Theory]
    [InlineData(MutationKind.Truncate)]
    [InlineData(MutationKind.OverwriteWord)]
    [InlineData(MutationKind.RewriteNumber)]
    [InlineData(MutationKind.DeleteSpan)]
    [InlineData(MutationKind.InsertSpan)]
    [InlineData(MutationKind.FlipBytes)]
    public void Apply_EveryKind_ChangesTheBytes(MutationKind kind)
    {
        var original = Encoding.ASCII.GetBytes("header 512 lines\nmore 1024\0\0\0\0data data data data");
        var mutated = Apply(original, new Mutation(0, kind, 0.25, 77, 3, true), headerLength: 27);

        Assert.False(mutated.AsSpan().SequenceEqual(original), $"{kind} left the bytes unchanged");
    }

    private static long Budget(int fileLength) => (long)(AllowedBytesPerFileByte * fileLength) + AllowedFixedBytes;

    private static void Run(int iterations)
    {
        var originals = Originals.Value;
        for (var i = 0; i < Samples.Length; i++)
        {
            // The first parse of each format pays for JIT compilation; time only warm parses.
            FrameImporter.OpenAll(new MemoryStream(originals[i]), Samples[i]);
        }

        var frames = 0;
        var rejected = 0;
        Mutations.Sample(
            mutation =>
            {
                var original = originals[mutation.Sample];
                var bytes = Apply(original, mutation, HeaderLength(original, Samples[mutation.Sample]));
                var name = Samples[mutation.Sample];
                var before = GC.GetAllocatedBytesForCurrentThread();
                var clock = Stopwatch.StartNew();
                try
                {
                    var result = FrameImporter.OpenAll(new MemoryStream(bytes, writable: false), name);
                    Assert.NotEmpty(result);
                    Assert.All(result, f => Assert.True(f.Width >= 1 && f.Height >= 1 && double.IsFinite(f.SizeX) && f.SizeX > 0 && double.IsFinite(f.SizeY) && f.SizeY > 0,
                        $"{mutation}: frame {f.Width}×{f.Height}, {f.SizeX}×{f.SizeY} m"));
                    frames++;
                }
                catch (AfmFormatException ex)
                {
                    Assert.Contains(name, ex.Message, StringComparison.Ordinal);
                    rejected++;
                }

                clock.Stop();
                var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"{mutation}: parse took {clock.Elapsed}");
                Assert.True(allocated <= Budget(bytes.Length), $"{mutation}: {allocated} bytes allocated for a {bytes.Length}-byte file");
            },
            iter: iterations,
            threads: 1);

        Assert.True(frames > 0 && rejected > 0, $"{frames} mutations parsed and {rejected} were rejected; both should happen");
    }

    /// <summary>Where the structure is: the text header or the leading part of a binary file.</summary>
    private static int HeaderLength(byte[] bytes, string sample)
    {
        // A TIFF's structure is spread over the file (directories after the strips); an .asd header is ~260 bytes.
        if (sample.EndsWith(".jpk", StringComparison.Ordinal))
        {
            return bytes.Length;
        }

        if (sample.EndsWith(".asd", StringComparison.Ordinal))
        {
            return Math.Min(bytes.Length, 260);
        }

        // Nanoscope ends its header with "\*File list end", Nanonis with ":SCANIT_END:", GSF with its NUL padding.
        foreach (var marker in new[] { "\\*File list end"u8.ToArray(), ":SCANIT_END:"u8.ToArray() })
        {
            var at = bytes.AsSpan(0, Math.Min(bytes.Length, 1 << 17)).IndexOf(marker);
            if (at >= 0)
            {
                return at + marker.Length;
            }
        }

        var nul = Array.IndexOf(bytes, (byte)0, 0, Math.Min(bytes.Length, 4096));
        return nul > 0 ? nul : Math.Min(bytes.Length, 4096);
    }

    internal static byte[] Apply(byte[] original, Mutation mutation, int headerLength)
    {
        var span = mutation.InHeader ? Math.Max(1, Math.Min(headerLength, original.Length)) : original.Length;
        var at = Math.Min(original.Length - 1, (int)(mutation.Position * span));
        switch (mutation.Kind)
        {
            case MutationKind.Truncate:
                return original[..at];
            case MutationKind.FlipBytes:
                {
                    var bytes = (byte[])original.Clone();
                    var random = new Random(mutation.Value);
                    for (var i = 0; i < mutation.Count; i++)
                    {
                        var p = Math.Min(bytes.Length - 1, at + random.Next(64));
                        bytes[p] ^= (byte)(1 + random.Next(255));
                    }

                    return bytes;
                }

            case MutationKind.OverwriteWord:
                {
                    var bytes = (byte[])original.Clone();
                    var p = Math.Min(at, bytes.Length - 4);
                    BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(p), mutation.Value);
                    return bytes;
                }

            case MutationKind.RewriteNumber:
                {
                    // Text headers carry sizes as decimal numbers: make the next one huge, negative or zero.
                    var bytes = (byte[])original.Clone();
                    var digit = bytes.AsSpan(at).IndexOfAnyInRange((byte)'0', (byte)'9');
                    if (digit < 0)
                    {
                        bytes[at] ^= 0x55;
                        return bytes;
                    }

                    var start = at + digit;
                    var end = start;
                    while (end < bytes.Length && char.IsAsciiDigit((char)bytes[end]))
                    {
                        end++;
                    }

                    var replacement = Encoding.ASCII.GetBytes((mutation.Value % 4) switch
                    {
                        0 => "0",
                        1 => "-" + mutation.Count,
                        2 => "99999999999",
                        _ => (Math.Abs((long)mutation.Value) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    });
                    return [.. bytes[..start], .. replacement, .. bytes[end..]];
                }

            case MutationKind.DeleteSpan:
                {
                    var end = Math.Min(original.Length, at + mutation.Count);
                    return [.. original[..at], .. original[end..]];
                }

            default:
                {
                    var inserted = new byte[mutation.Count];
                    new Random(mutation.Value).NextBytes(inserted);
                    return [.. original[..at], .. inserted, .. original[at..]];
                }
        }
    }
}
