using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace AfmEdge.Messaging.Tests;

public sealed class Sha256LanesTests
{
    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[][] FourMessages(int length, int seed) =>
        [RandomBytes(length, seed), RandomBytes(length, seed + 1), RandomBytes(length, seed + 2), RandomBytes(length, seed + 3)];

    // Lengths around the padding's turns: the 0x80 byte and the 8-byte length fit in the last block up to 55 bytes of
    // it, and need another block from 56 on; whole blocks; and a length of many blocks with a tail.
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(55)]
    [InlineData(56)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(119)]
    [InlineData(120)]
    [InlineData(128)]
    [InlineData(65_539)]
    public void Hash_FourMessages_AreThePlatformDigestsInOrder(int length)
    {
        var messages = FourMessages(length, length);
        var digests = new byte[4 * Sha256Lanes.DigestBytes];
        if (!Avx2.IsSupported)
        {
            Assert.Throws<PlatformNotSupportedException>(() => Sha256Lanes.Hash(messages[0], messages[1], messages[2], messages[3], digests));
            return;
        }

        Sha256Lanes.Hash(messages[0], messages[1], messages[2], messages[3], digests);

        for (var lane = 0; lane < 4; lane++)
        {
            Assert.Equal(SHA256.HashData(messages[lane]), digests.AsSpan(lane * Sha256Lanes.DigestBytes, Sha256Lanes.DigestBytes).ToArray());
        }
    }

    [Fact]
    public void HashEach_KnownVector_IsTheStandardDigest()
    {
        // FIPS 180-4's example "abc", four times: side by side where the processor allows.
        ReadOnlyMemory<byte> abc = "abc"u8.ToArray();
        var digests = new byte[4 * Sha256Lanes.DigestBytes];
        Sha256Lanes.HashEach([abc, abc, abc, abc], digests);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Convert.ToHexStringLower(digests, i * Sha256Lanes.DigestBytes, Sha256Lanes.DigestBytes));
        }
    }

    [Fact]
    public void Hash_UnequalLengths_AreRefusedNamingThem()
    {
        var e = Assert.Throws<ArgumentException>(() => Sha256Lanes.Hash(new byte[64], new byte[64], new byte[65], new byte[64], new byte[128]));
        Assert.Contains("64, 64, 65, 64", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hash_ShortDigestSpace_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Sha256Lanes.Hash(new byte[8], new byte[8], new byte[8], new byte[8], new byte[127]));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(9)]
    public void HashEach_MessagesOfOneLength_AreThePlatformDigests(int count)
    {
        var messages = Enumerable.Range(0, count).Select(i => (ReadOnlyMemory<byte>)RandomBytes(4099, 100 + i)).ToArray();
        var digests = new byte[count * Sha256Lanes.DigestBytes];

        Sha256Lanes.HashEach(messages, digests);

        for (var i = 0; i < count; i++)
        {
            Assert.Equal(SHA256.HashData(messages[i].Span), digests.AsSpan(i * Sha256Lanes.DigestBytes, Sha256Lanes.DigestBytes).ToArray());
        }
    }

    [Fact]
    public void HashEach_MixedLengths_EachGetsItsOwnDigest()
    {
        // Groups of one length between others, a lone length, and an empty message.
        int[] lengths = [100, 64, 100, 0, 100, 7, 100, 100, 64, 64];
        var messages = lengths.Select((length, i) => (ReadOnlyMemory<byte>)RandomBytes(length, 200 + i)).ToArray();
        var digests = new byte[messages.Length * Sha256Lanes.DigestBytes];

        Sha256Lanes.HashEach(messages, digests);

        for (var i = 0; i < messages.Length; i++)
        {
            Assert.Equal(SHA256.HashData(messages[i].Span), digests.AsSpan(i * Sha256Lanes.DigestBytes, Sha256Lanes.DigestBytes).ToArray());
        }
    }

    [Fact]
    public void HashEach_ShortDigestSpace_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Sha256Lanes.HashEach(new ReadOnlyMemory<byte>[] { new byte[1], new byte[1] }, new byte[63]));
}
