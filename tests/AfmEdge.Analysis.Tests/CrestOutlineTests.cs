using AfmEdge.Analysis.Segmentation;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// The outline at a fraction of the local crest (<see cref="CrestOutline"/>, <see cref="AnalysisOptions.OutlineFraction"/>)
/// on synthetic ridges whose true edge is known: a chromatid-like ridge (semi-elliptic cross-section) standing along the
/// slow axis, scanned the way an instrument broadens it (paraboloid tip, dwell average over the pixel along the fast axis,
/// feedback trailing off the falling edge), at 512² over 20 µm.
/// </summary>
public sealed class CrestOutlineTests
{
    private const double Pixel = 20e-6 / 512;
    private const int Width = 192;
    private const int Rows = 160;

    /// <summary>True when the pixel centre lies inside the ridge (the truth's rule: the specimen has height there).</summary>
    private static bool Inside(int x, double centre, double halfWidth) => Math.Abs(((x + 0.5) * Pixel) - centre) < halfWidth;

    /// <summary>
    /// A ridge along y (rows 20..139) centred at <paramref name="centre"/> (metres across x), half-width
    /// <paramref name="halfWidth"/>, height <paramref name="height"/> (a function of the row, for ridges whose height
    /// changes along the axis); broadened as a scan would when <paramref name="scanned"/>.
    /// </summary>
    private static float[] Ridge(double centre, double halfWidth, Func<int, double> height, bool scanned, double blur = 0)
    {
        const double TipRadius = 10e-9;
        const int Subsamples = 4;
        var data = new float[Width * Rows];
        var line = new double[Width];
        for (var y = 20; y < Rows - 20; y++)
        {
            var h = height(y);
            double Surface(double x)
            {
                var u = (x - centre) / halfWidth;
                return Math.Abs(u) < 1 ? h * Math.Sqrt(1 - (u * u)) : 0;
            }

            for (var x = 0; x < Width; x++)
            {
                if (!scanned)
                {
                    line[x] = Surface((x + 0.5) * Pixel);
                    continue;
                }

                // The dwell averages the tip's height over the pixel; the tip (dilation) touches the wall with its side.
                double sum = 0;
                for (var s = 0; s < Subsamples; s++)
                {
                    var at = (x + ((s + 0.5) / Subsamples)) * Pixel;
                    double top = 0;
                    for (var d = -80e-9; d <= 80e-9; d += 1e-9)
                    {
                        top = Math.Max(top, Surface(at + d) - (d * d / (2 * TipRadius)));
                    }

                    sum += top;
                }

                line[x] = sum / Subsamples;
            }

            if (blur > 0)
            {
                // What else spreads the flank across the scan: the feedback's lag, registration's resampling, enlarging.
                var blurred = new double[Width];
                var reach = (int)Math.Ceiling(4 * blur);
                for (var x = 0; x < Width; x++)
                {
                    double sum = 0, weights = 0;
                    for (var k = -reach; k <= reach; k++)
                    {
                        var w = Math.Exp(-0.5 * k * k / (blur * blur));
                        sum += w * line[Math.Clamp(x + k, 0, Width - 1)];
                        weights += w;
                    }

                    blurred[x] = sum / weights;
                }

                blurred.CopyTo(line, 0);
            }

            for (var x = 0; x < Width; x++)
            {
                data[(y * Width) + x] = (float)line[x];
            }
        }

        // The substrate's roughness and the instrument's noise (0.3 nm), which set the extent threshold.
        var random = new Random(9);
        for (var i = 0; i < data.Length; i++)
        {
            data[i] += (float)(0.3e-9 * (random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5) * 2);
        }

        return data;
    }

    private static ChromosomeSegmentation Segment(float[] data, double fraction) =>
        HeightSegmenter.Segment(data, Width, Rows, Pixel, Pixel, new AnalysisOptions { OutlineFraction = fraction });

    /// <summary>Per row of the ridge's middle: found − true width, in pixels.</summary>
    private static double[] WidthErrors(ChromosomeSegmentation segmentation, double centre, double halfWidth, int fromRow, int toRow)
    {
        var errors = new List<double>();
        for (var y = fromRow; y < toRow; y++)
        {
            int found = 0, truth = 0;
            for (var x = 0; x < Width; x++)
            {
                found += segmentation.Instances[(y * Width) + x] != 0 ? 1 : 0;
                truth += Inside(x, centre, halfWidth) ? 1 : 0;
            }

            errors.Add(found - truth);
        }

        return [.. errors];
    }

    [Theory]
    [InlineData(100e-9, 0.35e-6, 0.7)]
    [InlineData(100e-9, 0.35e-6, 1.2)]
    [InlineData(200e-9, 0.45e-6, 0.7)]
    [InlineData(200e-9, 0.45e-6, 1.2)]
    [InlineData(300e-9, 0.6e-6, 0.7)]
    [InlineData(300e-9, 0.6e-6, 1.2)]
    public void Segment_ScannedRidge_OutlineWithinAPixelOfTheTrueEdge(double height, double halfWidth, double blur)
    {
        var centre = 95.3 * Pixel;
        var data = Ridge(centre, halfWidth, _ => height, scanned: true, blur);

        var honest = WidthErrors(Segment(data, new AnalysisOptions().OutlineFraction), centre, halfWidth, 40, 120);
        var skirt = WidthErrors(Segment(data, 0), centre, halfWidth, 40, 120);

        // Without it the skirt adds pixels on both sides; with it the width is the true one to within a pixel.
        Assert.All(skirt, e => Assert.True(e >= 2, $"skirt only {e} px"));
        Assert.All(honest, e => Assert.InRange(e, -1, 1));
        Assert.InRange(honest.Average(), -0.5, 0.5);
    }

    [Fact]
    public void Segment_RidgeWithALowerPart_EachPartCutAtItsOwnHeight()
    {
        // 250 nm high for rows 20..79, 100 nm beyond: a fraction of the chromosome's peak would cut the low part
        // at 50 nm, half its height, and make it a pixel or more too narrow on each side.
        var centre = 95.3 * Pixel;
        const double HalfWidth = 0.45e-6;
        var data = Ridge(centre, HalfWidth, y => y < 80 ? 250e-9 : 100e-9, scanned: true, blur: 1);

        var segmentation = Segment(data, new AnalysisOptions().OutlineFraction);

        Assert.Equal(1, segmentation.Count);
        Assert.All(WidthErrors(segmentation, centre, HalfWidth, 30, 70), e => Assert.InRange(e, -1, 1));
        var low = WidthErrors(segmentation, centre, HalfWidth, 90, 130);
        Assert.All(low, e => Assert.InRange(e, -1, 1));
        Assert.InRange(low.Average(), -0.5, 0.5);
    }

    [Fact]
    public void Segment_SharpRidge_KeepsTheOutlineOfTheSubstrateThreshold()
    {
        // Unbroadened (a clean or deconvolved image): the outermost pixels stand high, their centres just inside the
        // edge; there is no skirt, and cutting at the fraction would only lose true pixels.
        var centre = 95.3 * Pixel;
        var data = Ridge(centre, 0.45e-6, _ => 200e-9, scanned: false);

        var withOutline = Segment(data, new AnalysisOptions().OutlineFraction);
        var without = Segment(data, 0);

        Assert.Equal(without.Instances.ToArray(), withOutline.Instances.ToArray());
        Assert.All(WidthErrors(withOutline, centre, 0.45e-6, 40, 120), e => Assert.Equal(0, e));
    }

    [Fact]
    public void Trim_SkirtBelowTheFraction_IsCutAndTheFlankKept()
    {
        // One row, heights in nm: skirt 4, 12 | flank 60 | crest 200, 210, 200 | flank 60 | skirt 12, 4.
        float[] height = [4, 12, 60, 200, 210, 200, 60, 12, 4, 0];
        var instances = new int[height.Length];
        Array.Fill(instances, 1, 0, 9);
        var padded = height.Select(h => h * 1e-9f).ToArray();

        var removed = CrestOutline.Trim(padded, height.Length, 1, instances, 1, 0.2);

        Assert.Equal(4, removed);
        Assert.Equal([0, 0, 1, 1, 1, 1, 1, 0, 0, 0], instances);
    }

    [Fact]
    public void ClearUnderObjects_ZeroesEveryObjectPixelAndLeavesTheSubstrateAlone()
    {
        const int Width = 23, Rows = 17;
        var random = new Random(5);
        var instances = new int[Width * Rows];
        for (var i = 0; i < instances.Length; i++)
        {
            // Objects in some rows only, with gaps of background between their pixels.
            instances[i] = (i / Width) % 3 == 1 || random.Next(3) == 0 ? 0 : 1 + random.Next(3);
        }

        // Runs that end a row and start one.
        (instances[Width - 1], instances[(2 * Width) + 0]) = (2, 3);

        var crest = Enumerable.Range(0, instances.Length).Select(i => 1f + i).ToArray();
        CrestOutline.ClearUnderObjects(crest, instances, Width, Rows);

        for (var i = 0; i < instances.Length; i++)
        {
            Assert.Equal(instances[i] != 0 ? 0f : 1f + i, crest[i]);
        }

        Assert.Contains(instances, id => id != 0);
    }

    [Fact]
    public void Trim_ZeroFraction_ChangesNothing()
    {
        float[] height = [4e-9f, 12e-9f, 200e-9f, 12e-9f, 4e-9f];
        int[] instances = [1, 1, 1, 1, 1];

        Assert.Equal(0, CrestOutline.Trim(height, 5, 1, instances, 1, 0));
        Assert.All(instances, id => Assert.Equal(1, id));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void Trim_FractionOutOfRange_Throws(double fraction)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => CrestOutline.Trim(new float[4], 2, 2, new int[4], 0, fraction));
        Assert.Equal("fraction", e.ParamName);
    }

    [Fact]
    public void Options_OutlineFractionOutOfRange_NamesIt()
    {
        var errors = new AnalysisOptions { OutlineFraction = 0.95 }.Validate();

        Assert.Contains(errors, e => e.Contains(nameof(AnalysisOptions.OutlineFraction), StringComparison.Ordinal));
    }
}
