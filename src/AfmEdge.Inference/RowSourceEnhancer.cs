using AfmEdge.Inference.Network;

namespace AfmEdge.Inference;

/// <summary>
/// Enhances a frame read row by row from a source that can be read more than once (a file), with memory set by the
/// frame's width: the network outputs come out bitwise equal to <see cref="CnnFrameEnhancer"/>'s on the whole frame.
/// A per-frame model (<see cref="FrameNormalisation"/>) first needs the frame's mean and then its spread about that
/// mean, so the rows are read twice for them (the same double sums in the same order as
/// <see cref="FrameNormalisation.Statistics"/>), and a third time to enhance: each row is conditioned as
/// <see cref="FrameConditioning"/> says, fed to a <see cref="RowStreamEnhancer"/>, and each finished piece is mapped
/// back, has its NaN pixels restored and is handed on. Reusable for frames of the same size.
/// </summary>
public sealed class RowSourceEnhancer
{
    private readonly EnhancerNetwork _network;
    private readonly RowStreamEnhancer _stream;
    private readonly float[][] _rows;

    // Marks of non-finite input samples, for the rows between the next band's first row and the newest row read: a
    // ring of the streamer's window rows (a band and its lower halo always fit), indexed by row modulo its length.
    private readonly bool[] _missing;
    private readonly bool[] _rowHasMissing;
    private FrameConditioning? _conditioning;
    private EnhancedPieceHandler? _pieceReady;

    public RowSourceEnhancer(TiledEnhancer tiler, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(tiler);
        _network = tiler.Network;
        _stream = new RowStreamEnhancer(tiler, width, height, OnPiece);
        _rows = [.. _network.InputChannels.Select(_ => new float[width])];
        _rowHasMissing = new bool[_stream.WindowRows];
        _missing = new bool[width * _stream.WindowRows];
    }

    public int Width => _stream.Width;

    public int Height => _stream.Height;

    /// <summary>
    /// Enhances the frame in <paramref name="source"/> (network input channels, in the network's order) and hands every
    /// piece on to <paramref name="pieceReady"/> as <see cref="RowStreamEnhancer"/> does, already in the frame's units and
    /// with NaN over non-finite inputs: the piece of what <see cref="CnnFrameEnhancer"/> returns for these channels.
    /// </summary>
    public void Enhance(IFrameRows source, EnhancedPieceHandler pieceReady)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(pieceReady);
        if (source.Width != Width || source.Height != Height)
        {
            throw new ArgumentException($"The source is {source.Width}×{source.Height}, but this enhancer is for {Width}×{Height}.", nameof(source));
        }

        _conditioning = new FrameConditioning(_network, FrameNormalisation.IsPerFrame(_network) ? FrameStatistics(source) : (_network.Mean, _network.Std));
        _pieceReady = pieceReady;
        _stream.Reset();
        try
        {
            for (var y = 0; y < Height; y++)
            {
                source.ReadRow(y, _rows);
                var slot = y % _rowHasMissing.Length;
                var mask = _missing.AsSpan(slot * Width, Width);
                mask.Clear();
                var replaced = 0;
                for (var c = 0; c < _rows.Length; c++)
                {
                    replaced += _conditioning.PrepareInput(c, _rows[c], mask);
                }

                _rowHasMissing[slot] = replaced > 0;
                _stream.AddRow(y, _rows);
            }
        }
        finally
        {
            _pieceReady = null;
        }
    }

    // Two passes, as FrameNormalisation.Statistics makes over a whole plane: the mean first, then the squares about it.
    private (float[] Mean, float[] Std) FrameStatistics(IFrameRows source)
    {
        var statistics = new StatisticsAccumulator[_rows.Length];
        for (var y = 0; y < Height; y++)
        {
            source.ReadRow(y, _rows);
            for (var c = 0; c < _rows.Length; c++)
            {
                statistics[c].AddToMean(_rows[c]);
            }
        }

        for (var c = 0; c < _rows.Length; c++)
        {
            statistics[c].EndMean();
        }

        for (var y = 0; y < Height; y++)
        {
            source.ReadRow(y, _rows);
            for (var c = 0; c < _rows.Length; c++)
            {
                statistics[c].AddToSquares(_rows[c]);
            }
        }

        return FrameNormalisation.FromStatistics(_network, [.. statistics.Select(s => s.Result)]);
    }

    private void OnPiece(EnhancedPiece piece, IReadOnlyList<float[]> outputs)
    {
        var columns = piece.EndColumn - piece.FirstColumn;
        for (var o = 0; o < outputs.Count; o++)
        {
            var plane = outputs[o].AsSpan(0, piece.OutputWidth * piece.OutputRows);
            _conditioning!.FinishOutput(o, plane);
            for (var y = piece.FirstRow; y < piece.EndRow; y++)
            {
                var slot = y % _rowHasMissing.Length;
                if (_rowHasMissing[slot])
                {
                    // Input row y's two output rows, and its flags under the piece's columns.
                    FrameConditioning.RestoreMissing(plane.Slice((y - piece.FirstRow) * 2 * piece.OutputWidth, 2 * piece.OutputWidth),
                        _missing.AsSpan((slot * Width) + piece.FirstColumn, columns), columns);
                }
            }
        }

        _pieceReady!(piece, outputs);
    }
}
