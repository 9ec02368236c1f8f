namespace AfmEdge.Inference;

/// <summary>
/// A frame that can be read row by row, first row first, more than once (a file on disk): what
/// <see cref="RowSourceEnhancer"/> enhances without ever holding the frame.
/// </summary>
public interface IFrameRows
{
    int Width { get; }

    int Height { get; }

    /// <summary>
    /// Reads row <paramref name="y"/> of every network input channel, in the network's order, into
    /// <paramref name="rows"/> (one array of <see cref="Width"/> samples per channel). Rows are asked for in order from
    /// 0; asking for row 0 again starts another pass.
    /// </summary>
    void ReadRow(int y, IReadOnlyList<float[]> rows);
}
