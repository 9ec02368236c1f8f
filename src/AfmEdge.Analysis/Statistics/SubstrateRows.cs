using System.Numerics;
using System.Runtime.InteropServices;

namespace AfmEdge.Analysis.Statistics;

/// <summary>
/// Line offsets of a frame's channels, measured on the substrate and taken out where the lines really are offset. A scan
/// adds a constant to each line of every channel (the simulator's 5 mV per line on a Potential whose substrate spreads 5 mV,
/// and its 1/f noise restarting each line; on an instrument, the lock-in's and the feedback's slow wander), and within a
/// region those constants are noise that r and the means carry: a narrow region such as the centromere, a few dozen lines,
/// averages few of them. The substrate is the reference a user aligns lines against: each line's mean over the substrate
/// (the chromosomes' own fields would pull a mean over the whole line) less the mean of those, so the frame's level stays.
/// </summary>
/// <remarks>
/// The substrate here is the background below the segmentation's low threshold (debris off it), and only the part beyond
/// the chromosomes' reach where a line has enough of it: beside a chromosome the feedback's moat and the fields' lag disturb
/// the substrate on exactly the lines that cross one, and their levels would carry that into the chromosome's own pixels.
/// A frame without such offsets must not lose the substrate's own texture to the alignment, so each channel is first
/// judged: the substrate's level jumps from line to line no more than from column to column where the lines are not offset
/// (its texture is alike along both axes, and a column's mean averages every line's offset away), and several times more
/// where they are. <see cref="Measure"/>'s jump ratio is the robust spread of the lines' levels' second differences over
/// the columns'. Levels are means, summed a vector of pixels at a time in one pass over the frame for lines and columns
/// together: medians cost a selection per line and column, ten times the time, for a substrate already rid of what they
/// would guard against.
/// </remarks>
internal static class SubstrateRows
{
    /// <summary>Fewest substrate values a line or column needs for its level to count.</summary>
    public const int MinPixels = 32;

    /// <summary>
    /// Which pixels give each line's level (<paramref name="lineMask"/>) and each column's (<paramref name="columnMask"/>),
    /// 1 or 0: background (<paramref name="labels"/> 0) below <paramref name="lowThreshold"/> in <paramref name="height"/>
    /// and beyond the chromosomes' reach (<paramref name="rim"/> 0); where a line or column has fewer than
    /// <see cref="MinPixels"/> of those, all its background below the threshold; none where it has fewer still.
    /// </summary>
    public static void Masks(ReadOnlySpan<byte> labels, ReadOnlySpan<byte> rim, ReadOnlySpan<float> height, double lowThreshold, int width, int rows,
        Span<float> lineMask, Span<float> columnMask)
    {
        // Each pixel's class first, into the line mask: 2 substrate beyond the reach, 1 substrate within it, 0 neither; and the
        // counts of each per line and column. Then each mask is its pixels' class at or above its line's or column's least
        // class (2, 1, or 3 where neither has enough).
        var low = (float)lowThreshold;
        var counts = AnalysisPool<int>.Shared.Rent(2 * width);
        var least = AnalysisPool<float>.Shared.Rent(width + rows);
        try
        {
            var far = counts.AsSpan(0, width);
            var near = counts.AsSpan(width, width);
            far.Clear();
            near.Clear();
            var lineLeast = least.AsSpan(width, rows);
            for (var y = 0; y < rows; y++)
            {
                int lineFar = 0, lineNear = 0;
                for (var x = 0; x < width; x++)
                {
                    var p = (y * width) + x;
                    var substrate = (labels[p] == 0 && height[p] < low) ? 1 : 0;
                    var beyond = substrate & (rim[p] == 0 ? 1 : 0);
                    lineMask[p] = substrate + beyond;
                    lineNear += substrate;
                    lineFar += beyond;
                    near[x] += substrate;
                    far[x] += beyond;
                }

                lineLeast[y] = Least(lineFar, lineNear);
            }

            var columnLeast = least.AsSpan(0, width);
            for (var x = 0; x < width; x++)
            {
                columnLeast[x] = Least(far[x], near[x]);
            }

            for (var y = 0; y < rows; y++)
            {
                var classes = lineMask.Slice(y * width, width);
                var columns = columnMask.Slice(y * width, width);
                var x = 0;
                if (Vector.IsHardwareAccelerated)
                {
                    var classVectors = MemoryMarshal.Cast<float, Vector<float>>(classes);
                    var columnVectors = MemoryMarshal.Cast<float, Vector<float>>(columns);
                    var leastVectors = MemoryMarshal.Cast<float, Vector<float>>(columnLeast);
                    var lineLeastVector = new Vector<float>(lineLeast[y]);
                    for (var v = 0; v < classVectors.Length; v++)
                    {
                        var c = classVectors[v];
                        columnVectors[v] = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(c, leastVectors[v]), Vector<float>.One, Vector<float>.Zero);
                        classVectors[v] = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(c, lineLeastVector), Vector<float>.One, Vector<float>.Zero);
                    }

                    x = classVectors.Length * Vector<float>.Count;
                }

                for (; x < width; x++)
                {
                    columns[x] = classes[x] >= columnLeast[x] ? 1 : 0;
                    classes[x] = classes[x] >= lineLeast[y] ? 1 : 0;
                }
            }
        }
        finally
        {
            AnalysisPool<int>.Shared.Return(counts);
            AnalysisPool<float>.Shared.Return(least);
        }

        static float Least(int far, int near) => far >= MinPixels ? 2 : near >= MinPixels ? 1 : 3;
    }

    /// <summary>
    /// Judges <paramref name="data"/>'s lines against its columns, each line's and column's level the mean of its finite
    /// values where its mask (<see cref="Masks"/>) is 1, and, where the lines' jumps exceed <paramref name="threshold"/> times
    /// the columns', writes each line's offset into <paramref name="offsets"/> (its level less the mean of the lines'
    /// levels; 0 where a line has too few values). Returns the ratio (NaN where too few lines or columns have a level;
    /// infinite where the columns' levels do not vary at all) and whether <paramref name="offsets"/> was written.
    /// </summary>
    public static (double JumpRatio, bool Offset) Measure(ReadOnlySpan<float> data, ReadOnlySpan<float> lineMask, ReadOnlySpan<float> columnMask,
        int width, int rows, double threshold, Span<double> offsets)
    {
        var lines = AnalysisPool<double>.Shared.Rent(rows);
        var columnSums = AnalysisPool<float>.Shared.Rent(2 * width);
        var scratch = AnalysisPool<float>.Shared.Rent(Math.Max(width, rows));
        try
        {
            var lineLevels = lines.AsSpan(0, rows);
            var sums = columnSums.AsSpan(0, width);
            var counts = columnSums.AsSpan(width, width);
            sums.Clear();
            counts.Clear();
            for (var y = 0; y < rows; y++)
            {
                lineLevels[y] = AddLine(data.Slice(y * width, width), lineMask.Slice(y * width, width), columnMask.Slice(y * width, width), sums, counts);
            }

            // Column levels in place of their sums.
            for (var x = 0; x < width; x++)
            {
                sums[x] = counts[x] >= MinPixels ? sums[x] / counts[x] : float.NaN;
            }

            var ratio = JumpSpread(lineLevels, scratch) / JumpSpread(sums, scratch);
            if (!(ratio > threshold))
            {
                return (ratio, false);
            }

            var mean = FiniteMean.Of(lineLevels);
            for (var y = 0; y < rows; y++)
            {
                offsets[y] = double.IsFinite(lineLevels[y]) ? lineLevels[y] - mean : 0;
            }

            return (ratio, true);
        }
        finally
        {
            AnalysisPool<double>.Shared.Return(lines);
            AnalysisPool<float>.Shared.Return(columnSums);
            AnalysisPool<float>.Shared.Return(scratch);
        }
    }

    /// <summary><paramref name="data"/> less each line's offset, into <paramref name="aligned"/> (non-finite values stay as they are).</summary>
    public static void Subtract(ReadOnlySpan<float> data, ReadOnlySpan<double> offsets, int width, int rows, Span<float> aligned)
    {
        for (var y = 0; y < rows; y++)
        {
            var source = data.Slice(y * width, width);
            var target = aligned.Slice(y * width, width);
            var offset = (float)offsets[y];
            var x = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var by = new Vector<float>(offset);
                var sourceVectors = MemoryMarshal.Cast<float, Vector<float>>(source);
                var targetVectors = MemoryMarshal.Cast<float, Vector<float>>(target);
                for (var v = 0; v < sourceVectors.Length; v++)
                {
                    targetVectors[v] = sourceVectors[v] - by;
                }

                x = sourceVectors.Length * Vector<float>.Count;
            }

            for (; x < width; x++)
            {
                target[x] = source[x] - offset;
            }
        }
    }

    /// <summary>
    /// One line's level (the mean of its finite values under <paramref name="lineMask"/>; NaN where fewer than
    /// <see cref="MinPixels"/>), and its finite values under <paramref name="columnMask"/> into their columns' sums and counts.
    /// </summary>
    private static double AddLine(ReadOnlySpan<float> line, ReadOnlySpan<float> lineMask, ReadOnlySpan<float> columnMask, Span<float> sums, Span<float> counts)
    {
        var x = 0;
        float lineSum = 0, lineCount = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var values = MemoryMarshal.Cast<float, Vector<float>>(line);
            var lineMasks = MemoryMarshal.Cast<float, Vector<float>>(lineMask);
            var columnMasks = MemoryMarshal.Cast<float, Vector<float>>(columnMask);
            var columnSums = MemoryMarshal.Cast<float, Vector<float>>(sums);
            var columnCounts = MemoryMarshal.Cast<float, Vector<float>>(counts);
            var (vectorSum, vectorCount) = (Vector<float>.Zero, Vector<float>.Zero);
            var infinity = new Vector<float>(float.PositiveInfinity);
            for (var v = 0; v < values.Length; v++)
            {
                // Finite lanes only (NaN compares false): a non-finite value adds nothing and is not counted.
                var finite = Vector.LessThan(Vector.Abs(values[v]), infinity);
                var value = Vector.ConditionalSelect(finite, values[v], Vector<float>.Zero);
                var inLine = Vector.ConditionalSelect(finite, lineMasks[v], Vector<float>.Zero);
                var inColumn = Vector.ConditionalSelect(finite, columnMasks[v], Vector<float>.Zero);
                vectorSum += inLine * value;
                vectorCount += inLine;
                columnSums[v] += inColumn * value;
                columnCounts[v] += inColumn;
            }

            (lineSum, lineCount) = (Vector.Sum(vectorSum), Vector.Sum(vectorCount));
            x = values.Length * Vector<float>.Count;
        }

        for (; x < line.Length; x++)
        {
            if (float.IsFinite(line[x]))
            {
                lineSum += lineMask[x] * line[x];
                lineCount += lineMask[x];
                sums[x] += columnMask[x] * line[x];
                counts[x] += columnMask[x];
            }
        }

        return lineCount >= MinPixels ? lineSum / (double)lineCount : double.NaN;
    }

    /// <summary>
    /// How much a sequence of levels jumps: 1.4826 × the median absolute second difference m[i] − (m[i−1] + m[i+1]) / 2 over
    /// consecutive finite levels (a smooth trend has none; an offset per line has its own). NaN where fewer than
    /// <see cref="MinPixels"/> such differences.
    /// </summary>
    private static double JumpSpread<T>(ReadOnlySpan<T> levels, float[] scratch)
        where T : IFloatingPoint<T>
    {
        var count = 0;
        for (var i = 1; i + 1 < levels.Length; i++)
        {
            var jump = double.CreateTruncating(levels[i]) - (0.5 * (double.CreateTruncating(levels[i - 1]) + double.CreateTruncating(levels[i + 1])));
            if (double.IsFinite(jump))
            {
                scratch[count++] = (float)Math.Abs(jump);
            }
        }

        return count >= MinPixels ? 1.4826 * Selection.Median(scratch.AsSpan(0, count)) : double.NaN;
    }
}
