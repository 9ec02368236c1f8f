using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace AfmEdge.Messaging;

/// <summary>
/// SHA-256 of four byte strings of equal length at once, one per 32-bit lane of a 128-bit vector (FIPS 180-4; the
/// digests are exactly <see cref="SHA256.HashData(ReadOnlySpan{byte})"/>'s). One message's blocks must be hashed one
/// after another, so a single digest waits on each round's result; four independent messages side by side cost about
/// as long as one. On an x86 processor without the SHA extensions (the bench machine: a Xeon with AVX-512) the
/// platform's SHA-256 takes about 2.8 ms per MiB, which made hashing a 512² four-channel frame nearly all of the
/// publishing stage's processor time.
/// </summary>
public static class Sha256Lanes
{
    public const int Lanes = 4;
    public const int DigestBytes = 32;
    private const int BlockBytes = 64;

    /// <summary>
    /// Whether hashing four messages side by side beats hashing them one at a time with the platform's SHA-256: on x86
    /// with AVX2 but no SHA extensions. Where the processor has SHA instructions (recent x86, ARMv8) the platform's
    /// single-message SHA-256 uses them and is as fast.
    /// </summary>
    public static bool IsFaster { get; } = Avx2.IsSupported && !X86ShaExtensions();

    /// <summary>
    /// The fewest messages worth hashing side by side: four lanes cost about 1.4 single hashes of the platform's with
    /// AVX-512 (rotations and three-input logic in one instruction each), about 2.5 with AVX2 alone.
    /// </summary>
    private static int MinimumLanes => Avx512F.VL.IsSupported ? 2 : 3;

    private static ReadOnlySpan<uint> RoundConstants =>
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    private static ReadOnlySpan<uint> InitialState =>
        [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

    /// <summary>
    /// Writes the SHA-256 digest of each message to <paramref name="digests"/>, 32 bytes each in the messages' order: where
    /// <see cref="IsFaster"/>, messages of one length go four at a time through <see cref="Hash"/> (a group of fewer
    /// fills its empty lanes with a copy of its first message when that still beats hashing them one by one), the
    /// others through the platform's SHA-256.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="digests"/> holds fewer than 32 bytes per message.</exception>
    public static void HashEach(ReadOnlySpan<ReadOnlyMemory<byte>> messages, Span<byte> digests)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(digests.Length, messages.Length * DigestBytes, nameof(digests));
        Span<bool> done = messages.Length <= 64 ? stackalloc bool[messages.Length] : new bool[messages.Length];
        done.Clear();
        Span<int> group = stackalloc int[Lanes];
        Span<byte> laneDigests = stackalloc byte[Lanes * DigestBytes];
        for (var first = 0; first < messages.Length; first++)
        {
            if (done[first])
            {
                continue;
            }

            // This message and up to three later ones of its length.
            var members = 0;
            for (var i = first; i < messages.Length && members < Lanes; i++)
            {
                if (!done[i] && messages[i].Length == messages[first].Length)
                {
                    group[members++] = i;
                }
            }

            if (!IsFaster || members < MinimumLanes)
            {
                SHA256.HashData(messages[first].Span, digests.Slice(first * DigestBytes, DigestBytes));
                done[first] = true;
                continue;
            }

            for (var lane = members; lane < Lanes; lane++)
            {
                group[lane] = first;
            }

            Hash(messages[group[0]].Span, messages[group[1]].Span, messages[group[2]].Span, messages[group[3]].Span, laneDigests);
            for (var lane = 0; lane < members; lane++)
            {
                laneDigests.Slice(lane * DigestBytes, DigestBytes).CopyTo(digests.Slice(group[lane] * DigestBytes, DigestBytes));
                done[group[lane]] = true;
            }
        }
    }

    /// <summary>
    /// Writes the SHA-256 digest of each of four messages of equal length to <paramref name="digests"/>: 32 bytes each,
    /// in the messages' order.
    /// </summary>
    /// <exception cref="ArgumentException">The messages differ in length, or <paramref name="digests"/> is shorter than 128 bytes.</exception>
    /// <exception cref="PlatformNotSupportedException">The processor lacks AVX2 (see <see cref="IsFaster"/>).</exception>
    public static void Hash(ReadOnlySpan<byte> message0, ReadOnlySpan<byte> message1, ReadOnlySpan<byte> message2, ReadOnlySpan<byte> message3, Span<byte> digests)
    {
        var length = message0.Length;
        if (message1.Length != length || message2.Length != length || message3.Length != length)
        {
            throw new ArgumentException($"Messages hashed side by side must be of one length: {length}, {message1.Length}, {message2.Length}, {message3.Length} bytes.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(digests.Length, Lanes * DigestBytes, nameof(digests));
        if (!Avx2.IsSupported)
        {
            throw new PlatformNotSupportedException("Hashing four messages side by side needs AVX2.");
        }

        var state = new State();
        for (var i = 0; i < 8; i++)
        {
            state[i] = Vector128.Create(InitialState[i]);
        }

        var schedule = new Schedule();
        var whole = length / BlockBytes;
        for (var block = 0; block < whole; block++)
        {
            var offset = block * BlockBytes;
            Compress(ref state, ref schedule,
                ref Unsafe.Add(ref MemoryMarshal.GetReference(message0), offset), ref Unsafe.Add(ref MemoryMarshal.GetReference(message1), offset),
                ref Unsafe.Add(ref MemoryMarshal.GetReference(message2), offset), ref Unsafe.Add(ref MemoryMarshal.GetReference(message3), offset));
        }

        // The padding: the rest of the message, 0x80, zeros and the length in bits, big-endian, ending a block; one block
        // when the rest leaves room for the 9 bytes, two otherwise. Every lane's tail has the same shape.
        var rest = length - (whole * BlockBytes);
        var tailBytes = rest + 9 <= BlockBytes ? BlockBytes : 2 * BlockBytes;
        Span<byte> tails = stackalloc byte[Lanes * 2 * BlockBytes];
        tails.Clear();
        WriteTail(message0[(whole * BlockBytes)..], tails[..tailBytes], length);
        WriteTail(message1[(whole * BlockBytes)..], tails.Slice(2 * BlockBytes, tailBytes), length);
        WriteTail(message2[(whole * BlockBytes)..], tails.Slice(4 * BlockBytes, tailBytes), length);
        WriteTail(message3[(whole * BlockBytes)..], tails.Slice(6 * BlockBytes, tailBytes), length);
        ref var tail = ref MemoryMarshal.GetReference(tails);
        for (var offset = 0; offset < tailBytes; offset += BlockBytes)
        {
            Compress(ref state, ref schedule,
                ref Unsafe.Add(ref tail, offset), ref Unsafe.Add(ref tail, (2 * BlockBytes) + offset),
                ref Unsafe.Add(ref tail, (4 * BlockBytes) + offset), ref Unsafe.Add(ref tail, (6 * BlockBytes) + offset));
        }

        for (var word = 0; word < 8; word++)
        {
            for (var lane = 0; lane < Lanes; lane++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(digests[((lane * DigestBytes) + (word * 4))..], state[word].GetElement(lane));
            }
        }
    }

    private static void WriteTail(ReadOnlySpan<byte> rest, Span<byte> tail, long length)
    {
        rest.CopyTo(tail);
        tail[rest.Length] = 0x80;
        BinaryPrimitives.WriteInt64BigEndian(tail[^8..], length * 8);
    }

    /// <summary>One block of each of the four messages into the state: 64 rounds, the schedule computed 16 words ahead.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compress(ref State state, ref Schedule schedule, ref byte block0, ref byte block1, ref byte block2, ref byte block3)
    {
        // Words 0–15: each message's big-endian words, transposed so that vector t holds word t of every message.
        var byteSwap = Vector128.Create((byte)3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
        for (var quarter = 0; quarter < 4; quarter++)
        {
            var offset = quarter * 16;
            var m0 = Ssse3.Shuffle(Vector128.LoadUnsafe(ref block0, (nuint)offset), byteSwap).AsUInt32();
            var m1 = Ssse3.Shuffle(Vector128.LoadUnsafe(ref block1, (nuint)offset), byteSwap).AsUInt32();
            var m2 = Ssse3.Shuffle(Vector128.LoadUnsafe(ref block2, (nuint)offset), byteSwap).AsUInt32();
            var m3 = Ssse3.Shuffle(Vector128.LoadUnsafe(ref block3, (nuint)offset), byteSwap).AsUInt32();
            var low01 = Sse2.UnpackLow(m0, m1).AsUInt64();
            var low23 = Sse2.UnpackLow(m2, m3).AsUInt64();
            var high01 = Sse2.UnpackHigh(m0, m1).AsUInt64();
            var high23 = Sse2.UnpackHigh(m2, m3).AsUInt64();
            schedule[(quarter * 4) + 0] = Sse2.UnpackLow(low01, low23).AsUInt32();
            schedule[(quarter * 4) + 1] = Sse2.UnpackHigh(low01, low23).AsUInt32();
            schedule[(quarter * 4) + 2] = Sse2.UnpackLow(high01, high23).AsUInt32();
            schedule[(quarter * 4) + 3] = Sse2.UnpackHigh(high01, high23).AsUInt32();
        }

        var a = state[0];
        var b = state[1];
        var c = state[2];
        var d = state[3];
        var e = state[4];
        var f = state[5];
        var g = state[6];
        var h = state[7];
        ref var k = ref MemoryMarshal.GetReference(RoundConstants);
        ref var w = ref schedule[0];
        for (var t = 0; t < 64; t += 8)
        {
            // The words 16 ahead are independent of these rounds: computed here, they fill the time each round waits on the last.
            if (t < 48)
            {
                ref var next = ref Unsafe.Add(ref w, t + 16);
                Expand(ref next, 0);
                Expand(ref next, 1);
                Expand(ref next, 2);
                Expand(ref next, 3);
                Expand(ref next, 4);
                Expand(ref next, 5);
                Expand(ref next, 6);
                Expand(ref next, 7);
            }

            ref var words = ref Unsafe.Add(ref w, t);
            ref var constants = ref Unsafe.Add(ref k, t);
            Round(a, b, c, ref d, e, f, g, ref h, Unsafe.Add(ref words, 0) + Vector128.Create(Unsafe.Add(ref constants, 0)));
            Round(h, a, b, ref c, d, e, f, ref g, Unsafe.Add(ref words, 1) + Vector128.Create(Unsafe.Add(ref constants, 1)));
            Round(g, h, a, ref b, c, d, e, ref f, Unsafe.Add(ref words, 2) + Vector128.Create(Unsafe.Add(ref constants, 2)));
            Round(f, g, h, ref a, b, c, d, ref e, Unsafe.Add(ref words, 3) + Vector128.Create(Unsafe.Add(ref constants, 3)));
            Round(e, f, g, ref h, a, b, c, ref d, Unsafe.Add(ref words, 4) + Vector128.Create(Unsafe.Add(ref constants, 4)));
            Round(d, e, f, ref g, h, a, b, ref c, Unsafe.Add(ref words, 5) + Vector128.Create(Unsafe.Add(ref constants, 5)));
            Round(c, d, e, ref f, g, h, a, ref b, Unsafe.Add(ref words, 6) + Vector128.Create(Unsafe.Add(ref constants, 6)));
            Round(b, c, d, ref e, f, g, h, ref a, Unsafe.Add(ref words, 7) + Vector128.Create(Unsafe.Add(ref constants, 7)));
        }

        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
    }

    /// <summary>Word <paramref name="offset"/> after <paramref name="next"/> from the 16 before it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Expand(ref Vector128<uint> next, [ConstantExpected] int offset) =>
        Unsafe.Add(ref next, offset) = SmallSigma1(Unsafe.Add(ref next, offset - 2)) + Unsafe.Add(ref next, offset - 7)
            + SmallSigma0(Unsafe.Add(ref next, offset - 15)) + Unsafe.Add(ref next, offset - 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(Vector128<uint> a, Vector128<uint> b, Vector128<uint> c, ref Vector128<uint> d,
        Vector128<uint> e, Vector128<uint> f, Vector128<uint> g, ref Vector128<uint> h, Vector128<uint> wordPlusConstant)
    {
        // h and the word first: they are ready before e, so only Σ1(e) and two additions wait on the last round.
        var t1 = h + wordPlusConstant + Choose(e, f, g) + BigSigma1(e);
        d += t1;
        h = t1 + BigSigma0(a) + Majority(a, b, c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> RotateRight(Vector128<uint> x, [ConstantExpected] byte count) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateRight(x, count) : (x >>> count) | (x << (32 - count));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Xor3(Vector128<uint> x, Vector128<uint> y, Vector128<uint> z) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.TernaryLogic(x, y, z, 0x96) : x ^ y ^ z;

    // Bitwise "e ? f : g".
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Choose(Vector128<uint> e, Vector128<uint> f, Vector128<uint> g) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.TernaryLogic(e, f, g, 0xCA) : (e & f) ^ Sse2.AndNot(e, g);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Majority(Vector128<uint> a, Vector128<uint> b, Vector128<uint> c) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.TernaryLogic(a, b, c, 0xE8) : (a & b) | (c & (a | b));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> BigSigma0(Vector128<uint> a) => Xor3(RotateRight(a, 2), RotateRight(a, 13), RotateRight(a, 22));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> BigSigma1(Vector128<uint> e) => Xor3(RotateRight(e, 6), RotateRight(e, 11), RotateRight(e, 25));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> SmallSigma0(Vector128<uint> w) => Xor3(RotateRight(w, 7), RotateRight(w, 18), Sse2.ShiftRightLogical(w, 3));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> SmallSigma1(Vector128<uint> w) => Xor3(RotateRight(w, 17), RotateRight(w, 19), Sse2.ShiftRightLogical(w, 10));

    /// <summary>CPUID leaf 7, EBX bit 29: the SHA extensions, which the platform's SHA-256 uses when present.</summary>
    private static bool X86ShaExtensions() => X86Base.IsSupported && (X86Base.CpuId(7, 0).Ebx & (1 << 29)) != 0;

    [InlineArray(8)]
    private struct State
    {
        private Vector128<uint> _word;
    }

    [InlineArray(64)]
    private struct Schedule
    {
        private Vector128<uint> _word;
    }
}
