namespace AfmEdge.Inference.Native;

/// <summary>
/// Where a sample of a channels-planar activation buffer lives. Each row is split into its odd and even columns with
/// zero padding around them; each plane has one zero row above the image and room below it:
/// <code>
///   row (RowStride floats):  odd[−1] odd[0] … odd[B−1] | even[0] … even[B] | slack
///                            ^0      ^OddBase             ^EvenBase
///   plane (PlaneStride):     stored row 0 = image row −1 (always zero), stored row y+1 = image row y
/// </code>
/// B is the largest padded block count the buffer serves, so the layout is fixed by the largest tile and never moves.
/// </summary>
internal readonly struct ActivationLayout
{
    public const int OddBase = 1;

    public ActivationLayout(int maxPaddedBlocks, int maxHeight)
    {
        EvenBase = OddBase + maxPaddedBlocks;

        // even[0 … B] plus room for one whole vector load past it, rounded to a cache line.
        RowStride = (EvenBase + maxPaddedBlocks + 1 + 16 + 15) & ~15;

        // Image rows −1 … height + 1: the last block row reads one row past an odd height.
        PlaneStride = (maxHeight + 3) * RowStride;
    }

    public int EvenBase { get; }

    public int RowStride { get; }

    public int PlaneStride { get; }
}
