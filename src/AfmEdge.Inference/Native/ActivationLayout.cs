namespace AfmEdge.Inference.Native;

/// <summary>
/// Where a sample of a channels-planar activation buffer lives. Each row is split into four phase rows, column
/// 4t + p at phase p's index t, with zero padding around them; each plane holds <see cref="Rows"/> stored rows, stored
/// row r + 1 being image row r:
/// <code>
///   row (RowStride floats):  pad … p3[−1] p3[0] … p3[B−1] | p0[0] … p0[B] | p1[0] … p1[B−1] | p2[0] … p2[B−1] | slack
///                                          ^Phase(3)         ^Phase(0)      ^Phase(1)         ^Phase(2)
///   plane (PlaneStride):     stored row 0 = image row −1 (zero), stored row y+1 = image row y, at (y+1) mod Rows
/// </code>
/// So a Winograd F(4×4, 3×3) block t's six window columns 4t−1 … 4t+4 are p3[t−1], p0[t], p1[t], p2[t], p3[t],
/// p0[t+1]: six plain vector loads over consecutive blocks, no shuffles; its four outputs are four plain stores.
/// Phase rows start on cache lines (16 floats), so the stores are aligned. B is the largest padded block count the
/// buffer serves: the layout is fixed by the largest tile and never moves.
/// <para>
/// A whole-frame buffer (<see cref="Frame"/>) has room for image rows −1 … height + 3 and never wraps. A ring
/// (<see cref="Ring"/>) holds the last few rows a layer wrote, stored row r at r mod <see cref="Rows"/>: enough for the
/// next layer, one block row behind, to read its six-row windows while this layer writes the next block row.
/// </para>
/// </summary>
internal readonly struct ActivationLayout
{
    private const int Line = 16;

    private ActivationLayout(int maxPaddedBlocks, int rows)
    {
        // p3[−1] sits in the line before p3[0]; p0 holds B + 1 samples (its last is the right-hand padding).
        var span = RoundUp(maxPaddedBlocks + 1);
        Phase3 = Line;
        Phase0 = Phase3 + span;
        Phase1 = Phase0 + span;
        Phase2 = Phase1 + span;

        // Room for one whole vector load past the last phase row.
        RowStride = Phase2 + span + Line;

        Rows = rows;
        PlaneStride = rows * RowStride;
    }

    /// <summary>Stored rows per plane: a ring's length, or all of a whole-frame buffer's rows.</summary>
    public int Rows { get; }

    public int Phase0 { get; }

    public int Phase1 { get; }

    public int Phase2 { get; }

    public int Phase3 { get; }

    public int RowStride { get; }

    public int PlaneStride { get; }

    /// <summary>
    /// A whole-frame buffer: image rows −1 … <paramref name="maxHeight"/> + 3, as the last block row of a height that
    /// is not a multiple of four reads up to three rows past the image.
    /// </summary>
    public static ActivationLayout Frame(int maxPaddedBlocks, int maxHeight) => new(maxPaddedBlocks, maxHeight + 5);

    /// <summary>A ring of <paramref name="rows"/> stored rows.</summary>
    public static ActivationLayout Ring(int maxPaddedBlocks, int rows) => new(maxPaddedBlocks, rows);

    /// <summary>Offset of stored row <paramref name="storedRow"/> (image row storedRow − 1) in a plane.</summary>
    public nint RowOffset(int storedRow) => (nint)(storedRow % Rows) * RowStride;

    /// <summary>Offset of phase <paramref name="phase"/> (column 4t + phase) in a row.</summary>
    public int Phase(int phase) => phase switch
    {
        0 => Phase0,
        1 => Phase1,
        2 => Phase2,
        3 => Phase3,
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "A column phase is 0 to 3."),
    };

    private static int RoundUp(int floats) => (floats + Line - 1) / Line * Line;
}
