namespace AfmEdge.Inference.Native;

/// <summary>
/// Layout of the transform-domain scratch of one block row, V[ξ][channel][block] and M[ξ][channel][block]. Lines and
/// ξ planes are padded past powers of two: with 128 blocks a plain layout puts the 16 ξ of one block 16 KiB apart,
/// all in one L1 set, and the input transform's 16 stores per vector then evict each other (measured: the transform
/// ran as slowly as the multiply).
/// </summary>
internal readonly struct ScratchLayout
{
    private const int Pad = 16;

    public ScratchLayout(int paddedBlocks) => Line = paddedBlocks + Pad;

    /// <summary>Floats from one channel's line of blocks to the next.</summary>
    public int Line { get; }

    /// <summary>Floats from one ξ to the next for <paramref name="channels"/> lines.</summary>
    public nint XiStride(int channels) => ((nint)channels * Line) + Pad;

    /// <summary>Floats one scratch of <paramref name="channels"/> lines needs.</summary>
    public int Size(int channels) => 16 * (int)XiStride(channels);
}
