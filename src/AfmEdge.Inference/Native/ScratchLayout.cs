namespace AfmEdge.Inference.Native;

/// <summary>
/// Layout of the transform-domain scratch of one chunk of blocks, V[ξ][channel][block] and M[ξ][channel][block] for
/// the 36 ξ of F(4×4, 3×3). Lines and ξ planes are padded past powers of two: with power-of-two strides the 36 ξ of
/// one block fall in one L1 set, and the input transform's stores then evict each other (measured with F(2×2, 3×3):
/// the transform ran as slowly as the multiply).
/// </summary>
internal readonly struct ScratchLayout
{
    /// <summary>Transform-domain points per block: the 6×6 input window.</summary>
    public const int Points = 36;

    private const int Pad = 16;

    public ScratchLayout(int paddedBlocks) => Line = paddedBlocks + Pad;

    /// <summary>Floats from one channel's line of blocks to the next.</summary>
    public int Line { get; }

    /// <summary>Floats from one ξ to the next for <paramref name="channels"/> lines.</summary>
    public nint XiStride(int channels) => ((nint)channels * Line) + Pad;

    /// <summary>Floats one scratch of <paramref name="channels"/> lines needs.</summary>
    public int Size(int channels) => Points * (int)XiStride(channels);
}
