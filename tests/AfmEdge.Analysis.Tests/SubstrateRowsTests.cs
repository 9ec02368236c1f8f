using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Tests;

/// <summary>Line offsets measured on the substrate (SubstrateRows): judged against the columns, taken out, the frame's level kept.</summary>
public sealed class SubstrateRowsTests
{
    private const int Width = 200;
    private const int Rows = 160;

    /// <summary>
    /// A substrate whose level varies smoothly and alike along both axes (a sum of a few sines), with white noise, and a
    /// "chromosome" band across every line whose values lie far above it (label 1): what a line's mean over the whole
    /// line would follow.
    /// </summary>
    private static (float[] Data, byte[] Labels) Frame(int seed)
    {
        var random = new Random(seed);
        var data = new float[Width * Rows];
        var labels = new byte[Width * Rows];
        var phases = Enumerable.Range(0, 6).Select(_ => random.NextDouble() * 2 * Math.PI).ToArray();
        for (var y = 0; y < Rows; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var p = (y * Width) + x;
                var texture = Math.Sin((0.21 * x) + phases[0]) + Math.Sin((0.21 * y) + phases[1])
                    + Math.Sin((0.13 * (x + y)) + phases[2]) + Math.Sin((0.13 * (x - y)) + phases[3])
                    + (0.5 * Math.Sin((0.37 * x) + phases[4])) + (0.5 * Math.Sin((0.37 * y) + phases[5]));
                var chromosome = x >= 60 + (y / 4) && x < 110 + (y / 4);
                labels[p] = chromosome ? (byte)1 : (byte)0;
                data[p] = (float)(texture + (0.3 * Gaussian(random)) + (chromosome ? 40 : 0));
            }
        }

        return (data, labels);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static double[] LineOffsets(int seed, double sd)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, Rows).Select(_ => sd * Gaussian(random))];
    }

    private static float[] WithOffsets(float[] data, double[] offsets) =>
        [.. data.Select((v, p) => (float)(v + offsets[p / Width]))];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Measure_WithoutLineOffsets_JudgesLinesLikeColumnsAndLeavesThem(int seed)
    {
        var (data, labels) = Frame(seed);
        var offsets = new double[Rows];
        offsets.AsSpan().Fill(double.NaN);
        var (ratio, offset) = Measure(data, labels, Rim(labels), offsets);
        Assert.False(offset, $"ratio {ratio:F2}");
        Assert.InRange(ratio, 0.5, 1.5);
        Assert.All(offsets, o => Assert.True(double.IsNaN(o)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Measure_LineOffsets_AreFoundOnTheSubstrateAndTakenOut(int seed)
    {
        var (clean, labels) = Frame(seed);
        var added = LineOffsets(seed + 100, 1.0);
        var data = WithOffsets(clean, added);
        var offsets = new double[Rows];
        var (ratio, offset) = Measure(data, labels, Rim(labels), offsets);
        Assert.True(offset, $"ratio {ratio:F2}");
        Assert.True(ratio > 3, $"ratio {ratio:F2}");

        // Each line's offset to within what the substrate's own line levels vary (its texture and noise), less their mean: the
        // chromosome band, 40 above the substrate on a quarter of every line, does not pull them (nor the substrate beside it).
        var level = added.Average();
        var rim = Rim(labels);
        var cleanLevels = Enumerable.Range(0, Rows).Select(y => Level(clean, labels, rim, y)).ToArray();
        var cleanLevel = cleanLevels.Average();
        for (var y = 0; y < Rows; y++)
        {
            Assert.Equal(added[y] - level + (cleanLevels[y] - cleanLevel), offsets[y], 1e-4);
        }

        // Taken out, the substrate's level no longer jumps from line to line, and the frame's level stays (every line here
        // has as much substrate, so the offsets' mean over it is their mean, 0).
        var aligned = new float[data.Length];
        SubstrateRows.Subtract(data, offsets, Width, Rows, aligned);
        var (after, again) = Measure(aligned, labels, Rim(labels), new double[Rows]);
        Assert.False(again, $"ratio after aligning {after:F2}");
        Assert.Equal(Mean(data, labels, 0), Mean(aligned, labels, 0), 1e-4);

        // Every pixel moves with its line, chromosome and substrate alike.
        Assert.All(Enumerable.Range(0, Rows), y => Assert.Equal(data[(y * Width) + 80] - offsets[y], aligned[(y * Width) + 80], 1e-4));
    }

    [Fact]
    public void Measure_SubstrateWithinTheChromosomesReach_IsLeftOutOfTheLinesLevels()
    {
        // The band crosses only the upper half of the lines, and beside it the substrate is disturbed (a moat, a lag's tail)
        // on exactly those lines: counted, it would pull their offsets and so shift the chromosome's own pixels.
        var (texture, bandEverywhere) = Frame(4);
        var labels = bandEverywhere.Select((l, p) => p / Width < Rows / 2 ? l : (byte)0).ToArray();
        var clean = texture.Select((v, p) => bandEverywhere[p] == 1 && labels[p] == 0 ? v - 40 : v).ToArray();
        var rim = Rim(labels);
        var disturbed = clean.Select((v, p) => labels[p] == 0 && rim[p] is > 0 and <= 12 ? v + 5 : v).ToArray();
        var added = LineOffsets(9, 1.0);

        // How much more the crossing lines' offsets come out than the others' (the substrate's own texture differs between
        // the halves too, so the same on the undisturbed frame is the reference).
        double Pull(float[] frame, byte[] reach)
        {
            var offsets = new double[Rows];
            Assert.True(Measure(WithOffsets(frame, added), labels, reach, offsets).Offset);
            var error = Enumerable.Range(0, Rows).Select(y => offsets[y] - added[y]).ToArray();
            return error[..(Rows / 2)].Average() - error[(Rows / 2)..].Average();
        }

        var beyond = Pull(disturbed, rim) - Pull(clean, rim);
        var everywhere = Pull(disturbed, new byte[rim.Length]) - Pull(clean, new byte[rim.Length]);
        Assert.True(Math.Abs(beyond) < 0.02, $"pull of the disturbance on the crossing lines beyond the reach {beyond:F3}");
        Assert.True(everywhere > 0.2, $"pull of the disturbance on the crossing lines over all the background {everywhere:F3}");
    }

    [Fact]
    public void Masks_TakeTheSubstrateBeyondTheReach_ElseAllOfIt_AndNeverDebris()
    {
        // Line 10 is nearly all chromosome: too little beyond the reach, so all its background counts; line 11 has none at all.
        // A debris particle stands above the low threshold on line 40.
        var (_, labels) = Frame(1);
        for (var x = 0; x < Width - 40; x++)
        {
            labels[(10 * Width) + x] = 1;
        }

        labels.AsSpan(11 * Width, Width).Fill(1);
        var height = new float[labels.Length];
        height.AsSpan((40 * Width) + 5, 4).Fill(2);
        var rim = Rim(labels);
        var (lines, columns) = Masks(labels, rim, height);

        bool Substrate(int p) => labels[p] == 0 && height[p] < 1;
        bool Beyond(int p) => Substrate(p) && rim[p] == 0;

        // Each line or column: its substrate beyond the reach where it has at least MinPixels of that, else all its substrate
        // where it has that many, else nothing.
        float[] Expected(IReadOnlyList<int> pixels) =>
            pixels.Count(Beyond) >= SubstrateRows.MinPixels ? [.. pixels.Select(p => Beyond(p) ? 1f : 0f)]
            : pixels.Count(Substrate) >= SubstrateRows.MinPixels ? [.. pixels.Select(p => Substrate(p) ? 1f : 0f)]
            : new float[pixels.Count];
        for (var y = 0; y < Rows; y++)
        {
            var line = Enumerable.Range(y * Width, Width).ToList();
            Assert.Equal(Expected(line), line.Select(p => lines[p]));
        }

        for (var x = 0; x < Width; x++)
        {
            var column = Enumerable.Range(0, Rows).Select(y => (y * Width) + x).ToList();
            Assert.Equal(Expected(column), column.Select(p => columns[p]));
        }

        // Line 10 falls back to all its substrate, line 11 has none, and the debris is in no line's or column's level.
        Assert.Contains(Enumerable.Range(10 * Width, Width), p => lines[p] == 1 && rim[p] > 0);
        Assert.All(Enumerable.Range(11 * Width, Width), p => Assert.Equal(0f, lines[p]));
        Assert.All(Enumerable.Range((40 * Width) + 5, 4), p => Assert.Equal(0f, lines[p] + columns[p]));
        Assert.Contains(Enumerable.Range(40 * Width, Width), p => lines[p] == 1);
    }

    [Fact]
    public void Measure_NonFiniteValues_AreLeftOutOfTheLevels()
    {
        var (clean, labels) = Frame(2);
        var added = LineOffsets(11, 1.0);
        var data = WithOffsets(clean, added);
        var offsets = new double[Rows];
        Assert.True(Measure(data, labels, Rim(labels), offsets).Offset);

        // A dropout of NaN and infinities on line 7's substrate: the line keeps its level from the rest.
        data.AsSpan((7 * Width) + 2, 9).Fill(float.NaN);
        data[(7 * Width) + 190] = float.PositiveInfinity;
        var withGaps = new double[Rows];
        Assert.True(Measure(data, labels, Rim(labels), withGaps).Offset);
        Assert.All(withGaps, o => Assert.True(double.IsFinite(o)));
        Assert.Equal(offsets[7], withGaps[7], 0.3);
    }

    [Fact]
    public void Measure_TooLittleSubstrate_IsNotJudged()
    {
        var (data, _) = Frame(1);
        var labels = Enumerable.Repeat((byte)1, data.Length).ToArray();
        var offsets = new double[Rows];
        var (ratio, offset) = Measure(WithOffsets(data, LineOffsets(5, 1.0)), labels, Rim(labels), offsets);
        Assert.False(offset);
        Assert.True(double.IsNaN(ratio));
    }

    [Fact]
    public void Measure_ConstantColumnsAndOffsetLines_AreAlignedWithAnInfiniteRatio()
    {
        var added = LineOffsets(7, 2.0);
        var data = WithOffsets(new float[Width * Rows], added);
        var offsets = new double[Rows];
        var (ratio, offset) = Measure(data, new byte[data.Length], new byte[data.Length], offsets);
        Assert.True(offset);
        Assert.True(double.IsPositiveInfinity(ratio));
        var level = added.Average();
        Assert.All(Enumerable.Range(0, Rows), y => Assert.Equal(added[y] - level, offsets[y], 1e-5));
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(37, 5)]
    [InlineData(64, 3)]
    public void Subtract_VectorsMatchOneByOne_AndLeaveNonFiniteValues(int width, int rows)
    {
        var random = new Random(width + rows);
        var data = Enumerable.Range(0, width * rows).Select(_ => (float)random.NextDouble()).ToArray();
        data[0] = float.NaN;
        data[^1] = float.PositiveInfinity;
        var offsets = Enumerable.Range(0, rows).Select(_ => random.NextDouble() - 0.5).ToArray();
        var aligned = new float[data.Length];
        SubstrateRows.Subtract(data, offsets, width, rows, aligned);
        for (var p = 0; p < data.Length; p++)
        {
            Assert.Equal(data[p] - (float)offsets[p / width], aligned[p]);
        }

        Assert.True(float.IsNaN(aligned[0]));
        Assert.True(float.IsPositiveInfinity(aligned[^1]));
    }

    [Theory]
    [InlineData(0.99)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Options_RowJumpThresholdOutOfRange_NamesIt(double threshold)
    {
        var e = Assert.Throws<ArgumentException>(() => new ChromosomeAnalyzer(new AnalysisOptions { RowJumpThreshold = threshold }));
        Assert.Contains("RowJumpThreshold", e.Message, StringComparison.Ordinal);
        Assert.Empty(new AnalysisOptions { RowJumpThreshold = 1 }.Validate());
    }

    /// <summary>Each pixel's 4-connected steps from a pixel labelled otherwise, up to 16 (0 beyond), as the analyser gives it.</summary>
    private static byte[] Rim(byte[] labels)
    {
        var rim = new byte[labels.Length];
        CoreCorrelation.Rim(labels, Width, Rows, 16, rim);
        return rim;
    }

    /// <summary>The lines' and columns' masks over a flat frame (every pixel below the low threshold) with <paramref name="rim"/>.</summary>
    private static (float[] Lines, float[] Columns) Masks(byte[] labels, byte[] rim, float[]? height = null)
    {
        var (lines, columns) = (new float[labels.Length], new float[labels.Length]);
        SubstrateRows.Masks(labels, rim, height ?? new float[labels.Length], 1.0, Width, Rows, lines, columns);
        return (lines, columns);
    }

    private static (double JumpRatio, bool Offset) Measure(float[] data, byte[] labels, byte[] rim, double[] offsets)
    {
        var (lines, columns) = Masks(labels, rim);
        return SubstrateRows.Measure(data, lines, columns, Width, Rows, 1.5, offsets);
    }

    /// <summary>A line's mean over the background beyond the chromosomes' reach (every line here has plenty of it).</summary>
    private static double Level(float[] data, byte[] labels, byte[] rim, int y) =>
        Enumerable.Range(y * Width, Width).Where(p => labels[p] == 0 && rim[p] == 0).Average(p => (double)data[p]);

    private static double Mean(float[] data, byte[] labels, byte label) =>
        Enumerable.Range(0, data.Length).Where(p => labels[p] == label).Average(p => (double)data[p]);
}
