namespace AfmEdge.Analysis.Tests;

/// <summary>
/// Synthetic pairs of ribbons lying across each other, heights adding where they overlap, 256² over 10 µm (39 nm pixels, as
/// 512² over 20 µm): crossings whose skeleton shows no junction (a short chromosome across a longer one at a shallow angle,
/// a short wide one across a thin one's end), which <see cref="Segmentation.StackedSplitter"/> splits by where heights add.
/// "Split right": each ribbon's pixels outside the overlap lie in one found object of their own, and that object lies within
/// the ribbon (which of the two owns the overlap is a guess where heights simply add, so either is right).
/// </summary>
public sealed class StackedSplitTests(ITestOutputHelper output)
{
    private const int Size = 256;
    private const double Pixel = 10e-6 / Size;

    [Fact]
    public void Analyze_ShortChromosomeAcrossLongOne_SplitsRight()
    {
        // A 7 µm chromosome and a 3.5 µm one centred on its axis at 40°: its arms stick out some 25 px on each side.
        var a = new Ribbon(128, 128, 0, 7e-6, 0.55e-6, 200e-9);
        var b = new Ribbon(128, 128, Math.PI / 4.5, 3.5e-6, 0.5e-6, 140e-9);
        AssertSplitRight(a, b);
    }

    [Fact]
    public void Analyze_ShortWideChromosomeAcrossThinOnesEnd_SplitsRight()
    {
        var (a, b) = WideAcrossThinEnd();
        AssertSplitRight(a, b);
    }

    [Fact]
    public void Split_ShortWideChromosomeAcrossThinOnesEnd_GivesEachItsArms()
    {
        // The splitter itself on the same pair (heights as leveled, the object as everything above the substrate).
        var (a, b) = WideAcrossThinEnd();
        var (leveled, instances, box) = Object((x, y) => a.Height(x, y) + b.Height(x, y));
        var axes = new Dictionary<int, (double X, double Y)[]>();
        var stacked = new bool[Size * Size];

        var added = Segmentation.StackedSplitter.Split(instances, Size, leveled, 1, box, Pixel, Pixel, new AnalysisOptions(), 2, axes, stacked);

        Assert.Equal(1, added);
        AssertSplitRight(a, b, instances, 2);
        Assert.Equal(2, axes.Count);
        Assert.Contains(true, stacked);
    }

    [Fact]
    public void Split_ScratchFromAPoolFullOfOldValues_SplitsAsWithFreshOnes()
    {
        // The splitter's grid arrays are rented and longer than the grid: whatever an earlier user left in them (in and
        // past the grid) must not change the split.
        var (a, b) = WideAcrossThinEnd();
        var (leveled, instances, box) = Object((x, y) => a.Height(x, y) + b.Height(x, y));
        var (fresh, freshStacked) = (instances.ToArray(), new bool[Size * Size]);
        Segmentation.StackedSplitter.Split(fresh, Size, leveled, 1, box, Pixel, Pixel, new AnalysisOptions(), 2, [], freshStacked);

        var n = (box.X1 - box.X0 + 3) * (box.Y1 - box.Y0 + 3);
        LeaveInPool(n, 1);
        LeaveInPool(n, 1e-6f);
        LeaveInPool(n, true);

        var stacked = new bool[Size * Size];
        var added = Segmentation.StackedSplitter.Split(instances, Size, leveled, 1, box, Pixel, Pixel, new AnalysisOptions(), 2, [], stacked);

        Assert.Equal(1, added);
        Assert.Equal(fresh, instances);
        Assert.Equal(freshStacked, stacked);
    }

    /// <summary>Rents as many arrays of <paramref name="n"/> as a split may take at once, fills them with <paramref name="value"/> and returns them.</summary>
    private static void LeaveInPool<T>(int n, T value)
    {
        var arrays = Enumerable.Range(0, 32).Select(_ => Statistics.AnalysisPool<T>.Shared.Rent(n)).ToArray();
        foreach (var array in arrays)
        {
            Array.Fill(array, value);
            Statistics.AnalysisPool<T>.Shared.Return(array);
        }
    }

    [Fact]
    public void Analyze_TipOverTipPairOfTheSimulator_SplitsAlongTheValley()
    {
        // Specimen 3005's chromosomes 1 and 2 (4.4 and 4.3 µm, 233 and 247 nm): the end of one lies over the end of the other
        // at 48°, and beyond the stacked tips their bodies lie side by side, joined by their flanks, so the object less the
        // overlap is one arm until the arms are read from the ridges alone. Merged they score 0.46 and 0.54.
        var scan = SimulatedScan.Create(3005, 512);
        var analysis = new ChromosomeAnalyzer().Analyze(scan.Frame);
        var score = TruthScore.Of(analysis, scan);
        output.WriteLine(score.Describe());

        var pair = score.Chromosomes.Where(c => c.Id is 1 or 2).ToArray();
        Assert.Equal(2, pair.Length);
        Assert.All(pair, c => Assert.True(c.Iou >= 0.85, $"chromosome {c.Id}: IoU {c.Iou:F3}"));
    }

    [Fact]
    public void Analyze_ChromosomeWithDebrisOnItsCrest_StaysOne()
    {
        // A particle 50 nm high on a chromosome's crest stands 1.25 times above it, but it is no second chromosome.
        var a = new Ribbon(128, 128, 0.3, 6e-6, 0.5e-6, 200e-9);
        var frame = ChromosomeAnalyzerTests.Synthetic(Size, (x, y) =>
        {
            var r2 = (Math.Pow(x - 150, 2) + Math.Pow(y - 134.7, 2)) * Pixel * Pixel;
            var debris = r2 < 150e-9 * 150e-9 ? 50e-9 * Math.Sqrt(1 - (r2 / (150e-9 * 150e-9))) : 0;
            return (float)(a.Height(x, y) + debris + Noise(x, y));
        }, (_, _) => 1e-11f);

        var analysis = new ChromosomeAnalyzer().Analyze(frame);

        Assert.Single(analysis.Chromosomes);
        Assert.False(analysis.Chromosomes[0].IsCluster);
    }

    [Fact]
    public void Split_NoStackedCore_LeavesTheObject()
    {
        // One ribbon alone: no part stands above its crest, so nothing to split.
        var a = new Ribbon(128, 128, 0.2, 6e-6, 0.5e-6, 200e-9);
        var (leveled, instances, box) = Object(a.Height);

        var before = instances.ToArray();
        var added = Segmentation.StackedSplitter.Split(instances, Size, leveled, 1, box, Pixel, Pixel, new AnalysisOptions(), 2, [], new bool[Size * Size]);

        Assert.Equal(0, added);
        Assert.Equal(before, instances);
    }

    private void AssertSplitRight(Ribbon a, Ribbon b)
    {
        var frame = ChromosomeAnalyzerTests.Synthetic(Size, (x, y) => (float)(a.Height(x, y) + b.Height(x, y) + Noise(x, y)), (_, _) => 1e-11f);
        var analysis = new ChromosomeAnalyzer().Analyze(frame);
        output.WriteLine($"{analysis.Chromosomes.Count} objects");
        Assert.Equal(2, analysis.Chromosomes.Count);
        AssertSplitRight(a, b, analysis.Segmentation.Instances, 2);
        Assert.All(analysis.Chromosomes, c => Assert.True(c.IsCluster, "a chromosome split off a crossing stays out of the statistics"));
    }

    private void AssertSplitRight(Ribbon a, Ribbon b, ReadOnlySpan<int> found, int objects)
    {
        var ids = new List<int>();
        foreach (var (own, other) in new[] { (a, b), (b, a) })
        {
            // Its pixels outside the overlap: nearly all in one object.
            var votes = new int[objects + 1];
            var visible = 0;
            for (var y = 0; y < Size; y++)
            {
                for (var x = 0; x < Size; x++)
                {
                    if (own.Height(x, y) > 0 && other.Height(x, y) <= 0)
                    {
                        visible++;
                        votes[found[(y * Size) + x]]++;
                    }
                }
            }

            var id = Array.IndexOf(votes, votes.Skip(1).Max());
            output.WriteLine($"ribbon at {own.Angle:F2} rad: {votes[id]} of {visible} visible pixels in object {id}");
            Assert.True(votes[id] >= 0.95 * visible, $"ribbon at {own.Angle:F2} rad: only {votes[id]} of its {visible} visible pixels in object {id}");

            // That object: within the ribbon, to the pixel (its outline is drawn at a fraction of the crest).
            int inside = 0, total = 0;
            for (var y = 0; y < Size; y++)
            {
                for (var x = 0; x < Size; x++)
                {
                    if (found[(y * Size) + x] == id)
                    {
                        total++;
                        inside += own.Height(x, y) > 0 ? 1 : 0;
                    }
                }
            }

            output.WriteLine($"object {id}: {inside} of {total} pixels inside the ribbon");
            Assert.True(inside >= 0.97 * total, $"object {id}: only {inside} of its {total} pixels inside the ribbon at {own.Angle:F2} rad");
            ids.Add(id);
        }

        Assert.NotEqual(ids[0], ids[1]);
    }

    /// <summary>A 2 µm × 1.3 µm chromosome across the end of a 5 µm × 0.75 µm one at 45°.</summary>
    private static (Ribbon Thin, Ribbon Wide) WideAcrossThinEnd()
    {
        var thin = new Ribbon(128, 140, Math.PI / 2.3, 5e-6, 0.375e-6, 175e-9);
        var (x, y) = thin.Point(-0.42 * 5e-6);
        return (thin, new Ribbon(x, y, (Math.PI / 2.3) + (Math.PI / 4), 2e-6, 0.65e-6, 135e-9));
    }

    /// <summary>A height image and the object above the substrate (id 1) with its bounding box.</summary>
    private static (float[] Leveled, int[] Instances, (int X0, int Y0, int X1, int Y1) Box) Object(Func<int, int, double> height)
    {
        var leveled = new float[Size * Size];
        var instances = new int[Size * Size];
        var box = (X0: Size, Y0: Size, X1: 0, Y1: 0);
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                var h = height(x, y);
                leveled[(y * Size) + x] = (float)h;
                if (h > 0)
                {
                    instances[(y * Size) + x] = 1;
                    box = (Math.Min(box.X0, x), Math.Min(box.Y0, y), Math.Max(box.X1, x), Math.Max(box.Y1, y));
                }
            }
        }

        return (leveled, instances, box);
    }

    /// <summary>Substrate roughness, ±0.3 nm, from a fixed hash of the pixel.</summary>
    private static double Noise(int x, int y)
    {
        var v = (uint)((x * 73856093) ^ (y * 19349663));
        v ^= v >> 13;
        v *= 0x5bd1e995;
        v ^= v >> 15;
        return ((v & 0xffff) / 65535.0 - 0.5) * 0.6e-9;
    }

    /// <summary>A straight chromosome: elliptical cross-section of half-width <paramref name="HalfWidth"/>, rounded ends; centre in pixels.</summary>
    internal sealed record Ribbon(double CentreX, double CentreY, double Angle, double Length, double HalfWidth, double Peak)
    {
        public (double X, double Y) Point(double along) => (CentreX + (along / Pixel * Math.Cos(Angle)), CentreY + (along / Pixel * Math.Sin(Angle)));

        public double Height(int x, int y)
        {
            double dx = (x + 0.5 - CentreX) * Pixel, dy = (y + 0.5 - CentreY) * Pixel;
            var along = (dx * Math.Cos(Angle)) + (dy * Math.Sin(Angle));
            var across = (dy * Math.Cos(Angle)) - (dx * Math.Sin(Angle));
            var beyond = Math.Max(0, Math.Abs(along) - (0.5 * Length));
            var u = ((across * across) + (beyond * beyond)) / (HalfWidth * HalfWidth);
            return u < 1 ? Peak * Math.Sqrt(1 - u) : 0;
        }
    }
}
