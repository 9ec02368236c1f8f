namespace AfmEdge.Inference;

/// <summary>
/// A finished piece of an enhanced frame: input rows [<see cref="FirstRow"/>, <see cref="EndRow"/>) × columns
/// [<see cref="FirstColumn"/>, <see cref="EndColumn"/>), whose output planes are <see cref="OutputWidth"/> wide and
/// <see cref="OutputRows"/> tall (twice the input's), starting at output row 2·FirstRow and column 2·FirstColumn.
/// </summary>
public readonly record struct EnhancedPiece(int FirstRow, int EndRow, int FirstColumn, int EndColumn)
{
    public int OutputWidth => 2 * (EndColumn - FirstColumn);

    public int OutputRows => 2 * (EndRow - FirstRow);

    /// <summary>Output row <paramref name="row"/> (0 to <see cref="OutputRows"/> − 1) of the piece's <paramref name="plane"/>.</summary>
    public ReadOnlySpan<float> Row(float[] plane, int row) => plane.AsSpan(row * OutputWidth, OutputWidth);

    /// <summary>Index in a whole output plane, <paramref name="frameWidth"/> input pixels wide, of the piece's output row <paramref name="row"/>'s first sample.</summary>
    public long FrameIndex(int row, int frameWidth) => (((2L * FirstRow) + row) * 2 * frameWidth) + (2L * FirstColumn);

    /// <summary>Copies the piece's <paramref name="plane"/> into its place in a whole output plane <paramref name="frame"/>, <paramref name="frameWidth"/> input pixels wide.</summary>
    public void CopyTo(float[] plane, Span<float> frame, int frameWidth)
    {
        for (var row = 0; row < OutputRows; row++)
        {
            Row(plane, row).CopyTo(frame[(int)FrameIndex(row, frameWidth)..]);
        }
    }
}
