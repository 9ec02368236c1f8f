using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AfmEdge.Analysis.Geometry;

/// <summary>
/// Measures one segmented chromosome and labels its pixels: skeleton → longest path → smoothed spline
/// (extended along its end tangents to the tips), width and height profiles across the axis, the
/// centromere as the deepest primary constriction away from the ends, the p arm as the shorter side.
/// Works in pixel units internally (pixel i spans [i, i+1)); results are in metres.
/// </summary>
internal sealed class ChromosomeAxis
{
    private const double SplineSpacing = 3.0;
    private const double SampleSpacing = 0.5;
    private const double WalkStep = 0.25;

    private readonly int[] _instances;
    private readonly int _width;
    private readonly int _rows;
    private readonly int _id;

    // Axis samples in pixel coordinates with cumulative arc length, p tip first once oriented.
    private double[] _ax = [];
    private double[] _ay = [];
    private double[] _as = [];
    private double _centromereArc;
    private double _halfBand;

    // A chromosome split off a crossing: its axis through the crossing (pixel coordinates), and where chromosomes lie
    // on each other (heights add there, so the height profile is not this chromosome's own).
    private readonly (double X, double Y)[]? _crossingAxis;
    private readonly bool[]? _stacked;

    public ChromosomeAxis(int[] instances, int width, int rows, int id, (double X, double Y)[]? crossingAxis = null, bool[]? stacked = null)
    {
        _instances = instances;
        _width = width;
        _rows = rows;
        _id = id;
        _crossingAxis = crossingAxis;
        _stacked = stacked;
    }

    /// <summary>
    /// The object's skeleton from <see cref="Measure"/>: its bounding box with a one-pixel margin, 1 on the skeleton
    /// (null when the axis came from a crossing). A splitter that thins the same pixels may take it instead.
    /// </summary>
    public byte[]? ThinnedMask { get; private set; }

    /// <summary>This measured axis for the same pixels under another id (the objects are numbered anew after a split).</summary>
    public ChromosomeAxis Renumbered(int[] instances, int id) => new(instances, _width, _rows, id, _crossingAxis, _stacked)
    {
        _ax = _ax,
        _ay = _ay,
        _as = _as,
        _centromereArc = _centromereArc,
        _halfBand = _halfBand,
    };

    /// <param name="leveled">Height above the substrate, metres.</param>
    /// <param name="box">The object's bounding box, pixels.</param>
    /// <param name="pixelX">Pixel size along x, metres.</param>
    /// <param name="pixelY">Pixel size along y, metres.</param>
    /// <param name="options">The thresholds.</param>
    /// <param name="split">
    /// Whether the object is a piece split off a touching neighbour: its cut end's corners thin into skeleton spurs
    /// up to about a width long, so only a longer branch (another chromosome lying against it) makes it a cluster.
    /// </param>
    /// <param name="keepDistances">
    /// Whether to keep the object's chamfer distances over the box (<see cref="BoxDistances"/>, rented: give them back
    /// with <see cref="ReleaseDistances"/>) for a splitter that needs the same.
    /// </param>
    public ChromosomeMeasurement Measure(ReadOnlySpan<float> leveled, (int X0, int Y0, int X1, int Y1) box, double pixelX, double pixelY, AnalysisOptions options,
        bool split = false, bool keepDistances = false)
    {
        var pixelSize = Math.Sqrt(pixelX * pixelY);
        // One lying under another is seen in two pieces: its axis comes from the split, through the crossing.
        var (path, branch) = _crossingAxis is null ? SkeletonPath(box) : ([.. _crossingAxis], 0);
        var radius = MaxRadius(box, keepDistances);
        BuildAxis(path, radius);
        var length = _as[^1];
        var (widths, heights, steps, smoothWidth, fullWidth, best, centromere, outlineCluster) = Profiles(leveled, radius, pixelSize, options);
        var cluster = BranchIsCluster(branch, radius, split) || outlineCluster;
        var constriction = 1 - (smoothWidth[best] / fullWidth);
        if (centromere > 0.5 * length)
        {
            Reverse();
            centromere = length - centromere;
            Array.Reverse(widths);
            Array.Reverse(heights);
        }

        _centromereArc = centromere;
        _halfBand = options.CentromereHalfBand * fullWidth;
        var (cx, cy, _, _) = PointAt(centromere);
        var axis = new PointM[_ax.Length];
        for (var i = 0; i < axis.Length; i++)
        {
            axis[i] = new PointM(_ax[i] * pixelX, _ay[i] * pixelY);
        }

        double volume = 0, peak = 0;
        var count = 0;
        for (var y = box.Y0; y <= box.Y1; y++)
        {
            // From one of this object's pixels to the next a vector at a time; the sum taken in the same order.
            var row = _instances.AsSpan((y * _width) + box.X0, box.X1 - box.X0 + 1);
            for (var x = row.IndexOf(_id); x >= 0; x = Next(row, x + 1))
            {
                count++;
                var h = leveled[(y * _width) + box.X0 + x];
                if (float.IsFinite(h))
                {
                    volume += h;
                    peak = Math.Max(peak, h);
                }
            }
        }

        var step = length / (steps - 1) * pixelSize;
        return new ChromosomeMeasurement
        {
            Id = _id,
            PixelCount = count,
            Area = count * pixelX * pixelY,
            Length = length * pixelSize,
            Width = fullWidth * pixelSize,
            PeakHeight = peak,
            Volume = volume * pixelX * pixelY,
            Axis = axis,
            Centromere = new PointM(cx * pixelX, cy * pixelY),
            PArmLength = centromere * pixelSize,
            QArmLength = (length - centromere) * pixelSize,
            CentromericIndex = length > 0 ? centromere / length : double.NaN,
            ConstrictionDepth = constriction,
            IsCluster = cluster,
            IsClusterAsPiece = outlineCluster,
            ArmsAssigned = (length - (2 * centromere)) * pixelSize >= options.ArmTolerance,
            ProfileStep = step,
            WidthProfile = [.. widths.Select(w => w * pixelSize)],
            HeightProfile = heights,
        };
    }

    /// <summary>
    /// Whether <see cref="Measure"/> would find the object a cluster (<see cref="ChromosomeMeasurement.IsCluster"/>), for a
    /// caller that needs nothing else: the same tests on the same values, each stage skipped once an earlier test already
    /// found it one (the decision is their OR, and those values feed nothing else): the skeleton's branch before the axis is
    /// built, the axis's length before the profiles are taken.
    /// </summary>
    public bool MeasuresAsCluster(ReadOnlySpan<float> leveled, (int X0, int Y0, int X1, int Y1) box, double pixelX, double pixelY, AnalysisOptions options,
        bool split = false)
    {
        var pixelSize = Math.Sqrt(pixelX * pixelY);
        var (path, branch) = _crossingAxis is null ? SkeletonPath(box) : ([.. _crossingAxis], 0);
        var radius = MaxRadius(box, keep: false);
        if (BranchIsCluster(branch, radius, split))
        {
            return true;
        }

        BuildAxis(path, radius);
        return TooLong(_as[^1], pixelSize, options) || Profiles(leveled, radius, pixelSize, options).OutlineCluster;
    }

    // A skeleton branch off the axis longer than a piece's cut corners (or a whole object's rounded tips) give: another
    // chromosome lying against or across it.
    private static bool BranchIsCluster(int branch, float radius, bool split) => branch > ((split ? 2.5 : 1.5) * radius) + 2;

    private static bool TooLong(double length, double pixelSize, AnalysisOptions options) => length * pixelSize > options.MaxChromosomeLength;

    /// <summary>
    /// The width and height profiles along the built axis (every pixel of arc length), smoothed, the full width, the
    /// primary constriction (its profile step and arc length), and whether the outline alone measures as a cluster.
    /// </summary>
    private (double[] Widths, double[] Heights, int Steps, double[] SmoothWidth, double FullWidth, int Best, double Centromere, bool OutlineCluster) Profiles(
        ReadOnlySpan<float> leveled, float radius, double pixelSize, AnalysisOptions options)
    {
        // Profiles every pixel of arc length.
        var length = _as[^1];
        var steps = Math.Max(2, (int)Math.Ceiling(length) + 1);
        var widths = new double[steps];
        var heights = new double[steps];
        for (var k = 0; k < steps; k++)
        {
            var s = Math.Min(length, k * length / (steps - 1));
            var (x, y, tx, ty) = PointAt(s);
            var (w, h) = Across(leveled, x, y, -ty, tx, 4 * radius + 4);
            widths[k] = w;
            heights[k] = h;
        }

        if (_crossingAxis is not null)
        {
            FillCrossings(widths, heights, length, steps);
        }

        var smoothWidth = Smooth(widths, Math.Max(1.0, 0.1 * 2 * radius));
        var smoothHeight = Smooth(heights, Math.Max(1.0, 0.1 * 2 * radius));
        // The full width holds along the arms; the constriction and the rounded tips are narrower, so a high
        // quantile of the profile measures it better than the median.
        var fullWidth = QuantileOf(smoothWidth, 0.8);
        var medianHeight = MedianOf(smoothHeight);

        // The constriction narrows the width most (25–45%) and lowers the height a little; the tips' rounding is excluded.
        var exclude = 0.6 * fullWidth;
        var best = -1;
        var bestScore = double.PositiveInfinity;
        var scores = new double[steps];
        for (var k = 0; k < steps; k++)
        {
            var s = k * length / (steps - 1);
            scores[k] = (smoothWidth[k] / fullWidth) + (0.5 * smoothHeight[k] / Math.Max(medianHeight, 1e-30));
            if (s >= exclude && s <= length - exclude && scores[k] < bestScore)
            {
                bestScore = scores[k];
                best = k;
            }
        }

        if (best < 0)
        {
            best = steps / 2;
        }

        var offset = 0.0;
        if (best > 0 && best < steps - 1)
        {
            var a = scores[best - 1];
            var b = scores[best];
            var c = scores[best + 1];
            var denominator = a - (2 * b) + c;
            offset = denominator > 0 ? Math.Clamp(0.5 * (a - c) / denominator, -0.5, 0.5) : 0;
        }

        var centromere = (best + offset) * length / (steps - 1);

        // Several chromosomes merged into one object (crossing, lying on or against each other) show as a long
        // skeleton branch off the axis, a bulge far wider than the median width, or a stacked height; lying along
        // each other, as a width or a height no single chromosome has.
        // Two chromosomes end to end show a neck far narrower than any primary constriction (at most ~45%).
        // All but the branch test read the outline alone, not whether it is a piece split off a neighbour.
        var outlineCluster = smoothWidth.Max() > 1.7 * fullWidth || smoothHeight.Max() > 1.6 * medianHeight
                      || smoothWidth[best] < 0.4 * fullWidth || TooLong(length, pixelSize, options)
                      || fullWidth * pixelSize > options.MaxChromosomeWidth || smoothHeight.Max() > options.MaxChromosomeHeight
                      || HeightSpread(smoothHeight) > options.MaxHeightSpread;
        return (widths, heights, steps, smoothWidth, fullWidth, best, centromere, outlineCluster);
    }

    /// <summary>
    /// The next of this object's pixels in <paramref name="row"/> from <paramref name="from"/> on, −1 when none: mostly the pixel
    /// at <paramref name="from"/> itself (a run across the object), taken without a search.
    /// </summary>
    private int Next(ReadOnlySpan<int> row, int from)
    {
        if (from < row.Length && row[from] == _id)
        {
            return from;
        }

        var next = row[from..].IndexOf(_id);
        return next < 0 ? -1 : from + next;
    }

    /// <summary>
    /// Where the axis runs under another chromosome (its point not this chromosome's) neither width nor height is its
    /// own, and where the profile crosses a stacked pixel (NaN height from Across) the height is the sum of both: those
    /// profile steps are bridged linearly from the steps either side, so the constriction and the cluster tests see
    /// this chromosome alone.
    /// </summary>
    private void FillCrossings(double[] widths, double[] heights, double length, int steps)
    {
        var widthKnown = new bool[steps];
        var heightKnown = new bool[steps];
        for (var k = 0; k < steps; k++)
        {
            var (x, y, _, _) = PointAt(Math.Min(length, k * length / (steps - 1)));
            int ix = (int)Math.Floor(x), iy = (int)Math.Floor(y);
            var i = (iy * _width) + ix;
            var own = (uint)ix < (uint)_width && (uint)iy < (uint)_rows && _instances[i] == _id;
            widthKnown[k] = own;
            heightKnown[k] = own && !double.IsNaN(heights[k]);
        }

        Bridge(widths, widthKnown);
        Bridge(heights, heightKnown);
    }

    /// <summary>Replaces the values not known by linear interpolation between the known ones (the nearest at either end).</summary>
    private static void Bridge(double[] values, bool[] known)
    {
        var last = -1;
        for (var k = 0; k <= values.Length; k++)
        {
            if (k < values.Length && !known[k])
            {
                continue;
            }

            if (last < 0 && k == values.Length)
            {
                return;
            }

            for (var j = last + 1; j < k; j++)
            {
                values[j] = last < 0 ? values[k] : k == values.Length ? values[last] : values[last] + ((values[k] - values[last]) * (j - last) / (k - last));
            }

            last = k;
        }
    }

    /// <summary>Writes 1 (p arm), 2 (centromere band) or 3 (q arm) into <paramref name="labels"/> for every pixel of this chromosome.</summary>
    /// <param name="box">The chromosome's bounding box.</param>
    /// <param name="labels">The label image (the frame's size).</param>
    /// <param name="vectors">Whether four pixels of a row may be searched side by side (the same samples found).</param>
    public void Label((int X0, int Y0, int X1, int Y1) box, byte[] labels, bool vectors = true)
    {
        // Nearest axis sample: a coarse scan every few samples, then a fine search around the best.
        // The coarse scan runs tile by tile over only the coarse samples that can be nearest somewhere in the tile: those
        // whose nearest point of the tile is no farther than the farthest point of the tile from the best-placed sample.
        // Every sample that reaches the least distance of a pixel is among them and they are scanned in the same order,
        // so the first nearest (and every double) is the full scan's.
        const int Tile = 8;
        var n = _ax.Length;
        var candidates = Statistics.AnalysisPool<int>.Shared.Rent(Math.Max(1, (n + Coarse - 1) / Coarse));
        var candidateX = Statistics.AnalysisPool<double>.Shared.Rent(candidates.Length);
        var candidateY = Statistics.AnalysisPool<double>.Shared.Rent(candidates.Length);
        try
        {
            for (var ty0 = box.Y0; ty0 <= box.Y1; ty0 += Tile)
            {
                var ty1 = Math.Min(box.Y1, ty0 + Tile - 1);
                for (var tx0 = box.X0; tx0 <= box.X1; tx0 += Tile)
                {
                    var tx1 = Math.Min(box.X1, tx0 + Tile - 1);
                    if (!AnyOf(tx0, ty0, tx1, ty1))
                    {
                        continue;
                    }

                    // Pixel centres span [x0 + 0.5, x1 + 0.5] × [y0 + 0.5, y1 + 0.5]; differences round monotonically, so
                    // these bounds hold for the rounded distances of every pixel too.
                    double left = tx0 + 0.5, right = tx1 + 0.5, top = ty0 + 0.5, bottom = ty1 + 0.5;
                    var bound = double.PositiveInfinity;
                    for (var k = 0; k < n; k += Coarse)
                    {
                        double ax = _ax[k], ay = _ay[k];
                        var fx = Math.Max(Math.Abs(ax - left), Math.Abs(ax - right));
                        var fy = Math.Max(Math.Abs(ay - top), Math.Abs(ay - bottom));
                        var far = Sq(fx) + Sq(fy);

                        // (A sample with a NaN coordinate is never nearest: it bounds nothing.)
                        if (far < bound)
                        {
                            bound = far;
                        }
                    }

                    var found = 0;
                    for (var k = 0; k < n; k += Coarse)
                    {
                        double ax = _ax[k], ay = _ay[k];
                        var nx = Math.Max(0, Math.Max(left - ax, ax - right));
                        var ny = Math.Max(0, Math.Max(top - ay, ay - bottom));
                        if (Sq(nx) + Sq(ny) <= bound)
                        {
                            // Their coordinates side by side, for the nearest search lane by lane.
                            (candidateX[found], candidateY[found]) = (ax, ay);
                            candidates[found++] = k;
                        }
                    }

                    for (var y = ty0; y <= ty1; y++)
                    {
                        var py = y + 0.5;
                        var x = tx0;
                        if (vectors && Vector256.IsHardwareAccelerated)
                        {
                            // Four pixels side by side, each lane scanning the samples in the same order as one pixel alone.
                            for (; x + Lanes - 1 <= tx1; x += Lanes)
                            {
                                if (_instances.AsSpan((y * _width) + x, Lanes).Contains(_id))
                                {
                                    LabelFour(x, y, candidateX.AsSpan(0, found), candidateY.AsSpan(0, found), candidates, labels);
                                }
                            }
                        }

                        for (; x <= tx1; x++)
                        {
                            var i = (y * _width) + x;
                            if (_instances[i] != _id)
                            {
                                continue;
                            }

                            var px = x + 0.5;
                            var (bestD, at) = Nearest(candidateX.AsSpan(0, found), candidateY.AsSpan(0, found), px, py);
                            var bestK = at < 0 ? 0 : candidates[at];

                            // The fine search keeps the coarse sample unless one is strictly nearer, the first such.
                            var from = Math.Max(0, bestK - Coarse);
                            var to = Math.Min(n - 1, bestK + Coarse);
                            var (fineD, fineAt) = Nearest(_ax.AsSpan(from, to - from + 1), _ay.AsSpan(from, to - from + 1), px, py);
                            if (fineD < bestD)
                            {
                                bestK = from + fineAt;
                            }

                            labels[i] = LabelAt(bestK);
                        }
                    }
                }
            }
        }
        finally
        {
            Statistics.AnalysisPool<int>.Shared.Return(candidates);
            Statistics.AnalysisPool<double>.Shared.Return(candidateX);
            Statistics.AnalysisPool<double>.Shared.Return(candidateY);
        }
    }

    private const int Coarse = 8;
    private const int Lanes = 4;

    /// <summary>1 (p arm), 2 (centromere band) or 3 (q arm) for the nearest axis sample <paramref name="k"/>.</summary>
    private byte LabelAt(int k)
    {
        var s = _as[k] - _centromereArc;
        return s < -_halfBand ? (byte)1 : s > _halfBand ? (byte)3 : (byte)2;
    }

    /// <summary>
    /// Labels this chromosome's pixels among (x .. x + 3, y) as <see cref="Label"/> does one by one: per lane the coarse
    /// candidates in order keeping the first strict minimum, then the fine samples from 8 before to 8 after the coarse best
    /// (each lane over its own window, the windows' union in order), the fine one taken only when strictly nearer.
    /// </summary>
    private void LabelFour(int x, int y, ReadOnlySpan<double> candidateX, ReadOnlySpan<double> candidateY, int[] candidates, byte[] labels)
    {
        var n = _ax.Length;
        var pxs = Vector256.Create(x + 0.5, x + 1.5, x + 2.5, x + 3.5);
        var pys = Vector256.Create(y + 0.5);
        var bestDs = Vector256.Create(double.PositiveInfinity);
        var bestAts = Vector256.Create(-1L);
        for (var c = 0; c < candidateX.Length; c++)
        {
            var dx = Vector256.Create(candidateX[c]) - pxs;
            var dy = Vector256.Create(candidateY[c]) - pys;

            // The scalar sum of squares, without a fused multiply-add: the same doubles.
            var d = (dx * dx) + (dy * dy);
            var nearer = Vector256.LessThan(d, bestDs);
            bestDs = Vector256.ConditionalSelect(nearer, d, bestDs);
            bestAts = Vector256.ConditionalSelect(nearer.AsInt64(), Vector256.Create((long)c), bestAts);
        }

        Span<long> froms = stackalloc long[Lanes];
        Span<long> tos = stackalloc long[Lanes];
        Span<int> coarse = stackalloc int[Lanes];
        int first = n, last = 0;
        for (var lane = 0; lane < Lanes; lane++)
        {
            var at = (int)bestAts[lane];
            coarse[lane] = at < 0 ? 0 : candidates[at];
            froms[lane] = Math.Max(0, coarse[lane] - Coarse);
            tos[lane] = Math.Min(n - 1, coarse[lane] + Coarse);
            first = Math.Min(first, (int)froms[lane]);
            last = Math.Max(last, (int)tos[lane]);
        }

        var fromVector = Vector256.Create(froms[0], froms[1], froms[2], froms[3]);
        var toVector = Vector256.Create(tos[0], tos[1], tos[2], tos[3]);
        var fineDs = Vector256.Create(double.PositiveInfinity);
        var fineAts = Vector256.Create(-1L);
        for (var k = first; k <= last; k++)
        {
            var ks = Vector256.Create((long)k);
            var inWindow = Vector256.GreaterThanOrEqual(ks, fromVector) & Vector256.LessThanOrEqual(ks, toVector);
            var dx = Vector256.Create(_ax[k]) - pxs;
            var dy = Vector256.Create(_ay[k]) - pys;
            var d = (dx * dx) + (dy * dy);
            var nearer = Vector256.LessThan(d, fineDs).AsInt64() & inWindow;
            fineDs = Vector256.ConditionalSelect(nearer.AsDouble(), d, fineDs);
            fineAts = Vector256.ConditionalSelect(nearer, ks, fineAts);
        }

        var row = y * _width;
        for (var lane = 0; lane < Lanes; lane++)
        {
            if (_instances[row + x + lane] == _id)
            {
                labels[row + x + lane] = LabelAt(fineDs[lane] < bestDs[lane] ? (int)fineAts[lane] : coarse[lane]);
            }
        }
    }

    /// <summary>
    /// The least squared distance from (<paramref name="px"/>, <paramref name="py"/>) to a point (xs[i], ys[i]) and the
    /// first index reaching it (+∞ and −1 when none is below +∞), as <see cref="NearestScalar"/> finds them: four points
    /// at a time, each lane keeping its first strict minimum, then the least of the lanes, the lowest index on a tie.
    /// </summary>
    internal static (double D, int At) Nearest(ReadOnlySpan<double> xs, ReadOnlySpan<double> ys, double px, double py)
    {
        var bestD = double.PositiveInfinity;
        var bestAt = -1;
        var i = 0;
        if (Vector256.IsHardwareAccelerated && xs.Length >= 2 * Vector256<double>.Count)
        {
            ref var x0 = ref MemoryMarshal.GetReference(xs);
            ref var y0 = ref MemoryMarshal.GetReference(ys);
            var pxs = Vector256.Create(px);
            var pys = Vector256.Create(py);
            var bestDs = Vector256.Create(double.PositiveInfinity);
            var bestAts = Vector256.Create(-1L);
            var ats = Vector256.Create(0L, 1, 2, 3);
            var step = Vector256.Create((long)Vector256<double>.Count);
            for (; i + Vector256<double>.Count <= xs.Length; i += Vector256<double>.Count)
            {
                var dx = Vector256.LoadUnsafe(ref x0, (nuint)i) - pxs;
                var dy = Vector256.LoadUnsafe(ref y0, (nuint)i) - pys;

                // The scalar sum of squares, without a fused multiply-add: the same doubles.
                var d = (dx * dx) + (dy * dy);
                var nearer = Vector256.LessThan(d, bestDs);
                bestDs = Vector256.ConditionalSelect(nearer, d, bestDs);
                bestAts = Vector256.ConditionalSelect(nearer.AsInt64(), ats, bestAts);
                ats += step;
            }

            for (var lane = 0; lane < Vector256<double>.Count; lane++)
            {
                var at = (int)bestAts[lane];
                if (at >= 0 && (bestDs[lane] < bestD || (bestDs[lane] == bestD && at < bestAt)))
                {
                    (bestD, bestAt) = (bestDs[lane], at);
                }
            }
        }

        for (; i < xs.Length; i++)
        {
            var d = Sq(xs[i] - px) + Sq(ys[i] - py);
            if (d < bestD)
            {
                (bestD, bestAt) = (d, i);
            }
        }

        return (bestD, bestAt);
    }

    /// <summary>The reference for <see cref="Nearest"/>: the points in order, the first strict minimum kept.</summary>
    internal static (double D, int At) NearestScalar(ReadOnlySpan<double> xs, ReadOnlySpan<double> ys, double px, double py)
    {
        var bestD = double.PositiveInfinity;
        var bestAt = -1;
        for (var i = 0; i < xs.Length; i++)
        {
            var d = Sq(xs[i] - px) + Sq(ys[i] - py);
            if (d < bestD)
            {
                (bestD, bestAt) = (d, i);
            }
        }

        return (bestD, bestAt);
    }

    /// <summary>Whether a pixel of this chromosome lies in the rectangle.</summary>
    private bool AnyOf(int x0, int y0, int x1, int y1)
    {
        for (var y = y0; y <= y1; y++)
        {
            if (_instances.AsSpan((y * _width) + x0, x1 - x0 + 1).Contains(_id))
            {
                return true;
            }
        }

        return false;
    }

    private static double Sq(double v) => v * v;

    /// <summary>The longest skeleton path, and the size of the largest skeleton branch off it (pixels).</summary>
    private (List<(double X, double Y)> Path, int Branch) SkeletonPath((int X0, int Y0, int X1, int Y1) box)
    {
        // Local mask with a one-pixel margin so thinning never touches the array edge.
        var w = box.X1 - box.X0 + 3;
        var h = box.Y1 - box.Y0 + 3;
        var mask = new byte[w * h];
        for (var y = box.Y0; y <= box.Y1; y++)
        {
            for (var x = box.X0; x <= box.X1; x++)
            {
                if (_instances[(y * _width) + x] == _id)
                {
                    mask[((y - box.Y0 + 1) * w) + (x - box.X0 + 1)] = 1;
                }
            }
        }

        Skeleton.Thin(mask, w, h);

        // The branches are what is left without the path; the skeleton itself is kept whole for the crossing splitter.
        var (path, branch) = Skeleton.LongestPathAndBranch(mask, w, h);
        ThinnedMask = mask;
        return ([.. path.Select(p => ((p % w) + box.X0 - 1 + 0.5, (p / w) + box.Y0 - 1 + 0.5))], branch);
    }

    /// <summary>
    /// The object's chamfer distances over its box (row-major, the box's width; longer than the box, rented) when
    /// <see cref="Measure"/> was asked to keep them, else null.
    /// </summary>
    public float[]? BoxDistances { get; private set; }

    /// <summary>Gives the kept distances back to the pool.</summary>
    public void ReleaseDistances()
    {
        if (BoxDistances is not null)
        {
            Statistics.AnalysisPool<float>.Shared.Return(BoxDistances);
            BoxDistances = null;
        }
    }

    private float MaxRadius((int X0, int Y0, int X1, int Y1) box, bool keep)
    {
        // Largest inscribed radius by brute force over the boundary would be slow; a chamfer pass on the box suffices.
        var w = box.X1 - box.X0 + 1;
        var h = box.Y1 - box.Y0 + 1;
        var d = Statistics.AnalysisPool<float>.Shared.Rent(w * h);
        try
        {
            // The rented table may be longer than the box: the distances beyond it are never read.
            ObjectDistances(_instances, _width, box, _id, d);
            return Math.Max(1f, Largest(d.AsSpan(0, w * h)));
        }
        finally
        {
            if (keep)
            {
                ReleaseDistances();
                BoxDistances = d;
            }
            else
            {
                Statistics.AnalysisPool<float>.Shared.Return(d);
            }
        }
    }

    /// <summary>
    /// The 3-4 chamfer distances of object <paramref name="id"/>'s pixels over <paramref name="box"/> (row-major, the box's
    /// width; 0 elsewhere), as <see cref="Segmentation.HeightSegmenter.ChamferDistance(int[], int, int, Span{float})"/>
    /// finds them on the box alone with every other pixel background. There a neighbour of the object adds its step to its
    /// distance and any other pixel counts as a step alone: background's distance is 0, so both are the neighbour's
    /// distance plus the step, and each row's minima over the row before (or after) it are taken a vector at a time
    /// (background stays 0, the least of its minima). Only the chain along the row is taken pixel by pixel.
    /// </summary>
    internal static void ObjectDistances(int[] instances, int width, (int X0, int Y0, int X1, int Y1) box, int id, Span<float> d)
    {
        const float Orthogonal = 1f, Diagonal = 1.4142135f;
        var w = box.X1 - box.X0 + 1;
        var h = box.Y1 - box.Y0 + 1;
        ArgumentOutOfRangeException.ThrowIfLessThan(d.Length, w * h, nameof(d));
        for (var y = 0; y < h; y++)
        {
            Start(instances.AsSpan(((box.Y0 + y) * width) + box.X0, w), id, d.Slice(y * w, w));
        }

        for (var y = 0; y < h; y++)
        {
            var row = d.Slice(y * w, w);
            if (y > 0)
            {
                FromNeighbourRow(row, d.Slice((y - 1) * w, w));
            }
            else
            {
                Least(row, Orthogonal);
            }

            // Along the row, left to right: the pixel before's final distance plus a step (a step alone at the box's edge).
            var previous = 0f;
            foreach (ref var v in row)
            {
                if (v != 0)
                {
                    v = Math.Min(v, previous + Orthogonal);
                }

                previous = v;
            }
        }

        for (var y = h - 1; y >= 0; y--)
        {
            var row = d.Slice(y * w, w);
            if (y < h - 1)
            {
                FromNeighbourRow(row, d.Slice((y + 1) * w, w));
            }
            else
            {
                Least(row, Orthogonal);
            }

            var previous = 0f;
            for (var x = w - 1; x >= 0; x--)
            {
                ref var v = ref row[x];
                if (v != 0)
                {
                    v = Math.Min(v, previous + Orthogonal);
                }

                previous = v;
            }
        }

        // row[x] = least of itself and the neighbour row's x plus a step, x ± 1 plus a diagonal step (outside the box: 0).
        static void FromNeighbourRow(Span<float> row, ReadOnlySpan<float> next)
        {
            var n = row.Length;
            if (n == 1)
            {
                row[0] = Math.Min(Math.Min(row[0], next[0] + Orthogonal), Diagonal);
                return;
            }

            row[0] = Math.Min(Math.Min(row[0], next[0] + Orthogonal), Math.Min(Diagonal, next[1] + Diagonal));
            var x = 1;
            if (Vector256.IsHardwareAccelerated)
            {
                ref var target = ref MemoryMarshal.GetReference(row);
                ref var source = ref MemoryMarshal.GetReference(next);
                var orthogonal = Vector256.Create(Orthogonal);
                var diagonal = Vector256.Create(Diagonal);
                for (; x + Vector256<float>.Count < n; x += Vector256<float>.Count)
                {
                    var straight = Vector256.LoadUnsafe(ref source, (nuint)x) + orthogonal;
                    var before = Vector256.LoadUnsafe(ref source, (nuint)(x - 1)) + diagonal;
                    var after = Vector256.LoadUnsafe(ref source, (nuint)(x + 1)) + diagonal;
                    var least = Vector256.Min(Vector256.Min(Vector256.LoadUnsafe(ref target, (nuint)x), straight), Vector256.Min(before, after));
                    least.StoreUnsafe(ref target, (nuint)x);
                }
            }

            for (; x < n - 1; x++)
            {
                row[x] = Math.Min(Math.Min(row[x], next[x] + Orthogonal), Math.Min(next[x - 1] + Diagonal, next[x + 1] + Diagonal));
            }

            row[n - 1] = Math.Min(Math.Min(row[n - 1], next[n - 1] + Orthogonal), Math.Min(next[n - 2] + Diagonal, Diagonal));
        }

        // The box's first (or last) row: outside it is a step alone.
        static void Least(Span<float> row, float step)
        {
            foreach (ref var v in row)
            {
                v = Math.Min(v, step);
            }
        }
    }

    /// <summary>The largest of distances (never NaN, at least 0; 0 for none), a vector at a time: the largest is one value whatever the order.</summary>
    internal static float Largest(ReadOnlySpan<float> values)
    {
        var largest = 0f;
        var i = 0;
        if (Vector256.IsHardwareAccelerated && values.Length >= Vector256<float>.Count)
        {
            ref var start = ref MemoryMarshal.GetReference(values);
            var most = Vector256<float>.Zero;
            for (; i + Vector256<float>.Count <= values.Length; i += Vector256<float>.Count)
            {
                most = Vector256.Max(most, Vector256.LoadUnsafe(ref start, (nuint)i));
            }

            for (var lane = 0; lane < Vector256<float>.Count; lane++)
            {
                largest = Math.Max(largest, most[lane]);
            }
        }

        for (; i < values.Length; i++)
        {
            largest = Math.Max(largest, values[i]);
        }

        return largest;
    }

    /// <summary>A row's start: <see cref="float.MaxValue"/> on the object's pixels, 0 elsewhere.</summary>
    private static void Start(ReadOnlySpan<int> instances, int id, Span<float> d)
    {
        var x = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var ids = ref MemoryMarshal.GetReference(instances);
            ref var target = ref MemoryMarshal.GetReference(d);
            var own = Vector256.Create(id);
            var far = Vector256.Create(float.MaxValue);
            for (; x + Vector256<int>.Count <= instances.Length; x += Vector256<int>.Count)
            {
                var mine = Vector256.Equals(Vector256.LoadUnsafe(ref ids, (nuint)x), own).AsSingle();
                (mine & far).StoreUnsafe(ref target, (nuint)x);
            }
        }

        for (; x < instances.Length; x++)
        {
            d[x] = instances[x] == id ? float.MaxValue : 0;
        }
    }

    private void BuildAxis(List<(double X, double Y)> path, double radius)
    {
        if (path.Count < 2)
        {
            path = PrincipalLine();
        }

        // Resample to 1 px, smooth, trim the skeleton's forked ends, extend along the end tangents to the tips.
        var (rx, ry) = Resample([.. path.Select(p => p.X)], [.. path.Select(p => p.Y)], 1.0);
        var sigma = Math.Max(1.5, 0.5 * radius);
        rx = Smooth(rx, sigma);
        ry = Smooth(ry, sigma);
        var trim = (int)Math.Min(Math.Round(0.5 * radius), Math.Max(0, (rx.Length - 3) / 2));
        rx = rx[trim..^trim];
        ry = ry[trim..^trim];
        if (rx.Length < 2)
        {
            var line = PrincipalLine();
            rx = [line[0].X, line[1].X];
            ry = [line[0].Y, line[1].Y];
        }

        var tangentSpan = Math.Clamp((int)Math.Round(radius), 1, rx.Length - 1);
        var head = Extend(rx[0], ry[0], rx[0] - rx[tangentSpan], ry[0] - ry[tangentSpan]);
        var tail = Extend(rx[^1], ry[^1], rx[^1] - rx[^(tangentSpan + 1)], ry[^1] - ry[^(tangentSpan + 1)]);
        var xs = new List<double> { head.X };
        var ys = new List<double> { head.Y };
        xs.AddRange(rx);
        ys.AddRange(ry);
        xs.Add(tail.X);
        ys.Add(tail.Y);

        // Catmull–Rom spline through control points about 3 px apart, sampled every 0.5 px of arc.
        var (cx, cy) = Resample([.. xs], [.. ys], SplineSpacing);
        var (sx, sy) = CatmullRom(cx, cy, SampleSpacing);
        _ax = sx;
        _ay = sy;
        _as = new double[sx.Length];
        for (var i = 1; i < sx.Length; i++)
        {
            _as[i] = _as[i - 1] + Math.Sqrt(Sq(sx[i] - sx[i - 1]) + Sq(sy[i] - sy[i - 1]));
        }
    }

    private (double X, double Y) Extend(double x, double y, double dx, double dy)
    {
        var norm = Math.Sqrt((dx * dx) + (dy * dy));
        if (norm == 0)
        {
            return (x, y);
        }

        dx /= norm;
        dy /= norm;
        var t = 0.0;
        while (t < 10_000 && Inside(x + ((t + WalkStep) * dx), y + ((t + WalkStep) * dy)))
        {
            t += WalkStep;
        }

        // The object ends between the last step inside and the first outside.
        t += 0.5 * WalkStep;
        return (x + (t * dx), y + (t * dy));
    }

    private bool Inside(double x, double y)
    {
        var ix = (int)Math.Floor(x);
        var iy = (int)Math.Floor(y);
        return (uint)ix < (uint)_width && (uint)iy < (uint)_rows && _instances[(iy * _width) + ix] == _id;
    }

    /// <summary>A two-point axis along the principal direction through the centroid (for blobs too small to thin).</summary>
    private List<(double X, double Y)> PrincipalLine()
    {
        double n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        for (var i = 0; i < _instances.Length; i++)
        {
            if (_instances[i] == _id)
            {
                var x = (i % _width) + 0.5;
                var y = (i / _width) + 0.5;
                n++;
                sx += x;
                sy += y;
                sxx += x * x;
                syy += y * y;
                sxy += x * y;
            }
        }

        var mx = sx / n;
        var my = sy / n;
        var cxx = (sxx / n) - (mx * mx);
        var cyy = (syy / n) - (my * my);
        var cxy = (sxy / n) - (mx * my);
        var angle = 0.5 * Math.Atan2(2 * cxy, cxx - cyy);
        var (dx, dy) = (Math.Cos(angle) * 0.5, Math.Sin(angle) * 0.5);
        return [(mx - dx, my - dy), (mx + dx, my + dy)];
    }

    private (double X, double Y, double Tx, double Ty) PointAt(double s)
    {
        var k = Array.BinarySearch(_as, s);
        if (k < 0)
        {
            k = ~k;
        }

        k = Math.Clamp(k, 1, _as.Length - 1);
        var s0 = _as[k - 1];
        var s1 = _as[k];
        var f = s1 > s0 ? Math.Clamp((s - s0) / (s1 - s0), 0, 1) : 0;
        var x = _ax[k - 1] + (f * (_ax[k] - _ax[k - 1]));
        var y = _ay[k - 1] + (f * (_ay[k] - _ay[k - 1]));

        // Tangent over a few samples either side so single-sample jitter does not tilt the normal.
        var a = Math.Max(0, k - 4);
        var b = Math.Min(_as.Length - 1, k + 3);
        var tx = _ax[b] - _ax[a];
        var ty = _ay[b] - _ay[a];
        var norm = Math.Sqrt((tx * tx) + (ty * ty));
        return norm > 0 ? (x, y, tx / norm, ty / norm) : (x, y, 1, 0);
    }

    /// <summary>
    /// Width of the object along the normal through (x, y), and the highest point met, as <see cref="AcrossReference"/>
    /// finds them: the steps' points four at a time (the same doubles, their pixels' floors and bounds side by side), each
    /// step's pixel then tested and its height taken in order.
    /// </summary>
    internal (double Width, double Height) Across(ReadOnlySpan<float> leveled, double x, double y, double nx, double ny, double limit)
    {
        if (!Avx.IsSupported)
        {
            return AcrossReference(leveled, x, y, nx, ny, limit);
        }

        double width = 0;
        double height = 0;
        var xs = Vector256.Create(x);
        var ys = Vector256.Create(y);
        var widths = Vector256.Create((double)_width);
        var rows = Vector256.Create((double)_rows);
        Span<int> at = stackalloc int[Vector256<double>.Count];
        for (var side = -1; side <= 1; side += 2)
        {
            var t = 0.0;
            var nxs = Vector256.Create(side * nx);
            var nys = Vector256.Create(side * ny);
            var outside = false;

            // Four whole steps while the last of them is still short of the limit (each t a multiple of the step: exact).
            while (!outside && t + (3 * WalkStep) < limit)
            {
                // side · (t + step) · n, as the single step takes it: (side · (t + step)) · n is ±((t + step) · n).
                var ahead = Vector256.Create(t + WalkStep, t + (2 * WalkStep), t + (3 * WalkStep), t + (4 * WalkStep));
                var px = xs + (ahead * nxs);
                var py = ys + (ahead * nys);
                if (!Vector256.EqualsAll(px, px) || !Vector256.EqualsAll(py, py))
                {
                    // A NaN coordinate: its pixel is the scalar conversion's, taken step by step below.
                    break;
                }

                var fx = Vector256.Floor(px);
                var fy = Vector256.Floor(py);
                var inBounds = Vector256.GreaterThanOrEqual(fx, Vector256<double>.Zero) & Vector256.LessThan(fx, widths)
                               & Vector256.GreaterThanOrEqual(fy, Vector256<double>.Zero) & Vector256.LessThan(fy, rows);
                var first = (int)BitOperations.TrailingZeroCount(~inBounds.ExtractMostSignificantBits() | (1u << Vector256<double>.Count));
                // Whole numbers below the image's size (in the lanes read): the index exact in a double.
                Avx.ConvertToVector128Int32WithTruncation((fy * widths) + fx).StoreUnsafe(ref MemoryMarshal.GetReference(at));
                for (var lane = 0; lane < Vector256<double>.Count; lane++)
                {
                    if (lane >= first || _instances[at[lane]] != _id)
                    {
                        outside = true;
                        break;
                    }

                    Take(leveled, at[lane], ref height);
                    t += WalkStep;
                }
            }

            while (!outside && t < limit)
            {
                var px = x + (side * (t + WalkStep) * nx);
                var py = y + (side * (t + WalkStep) * ny);
                if (!Inside(px, py))
                {
                    break;
                }

                Take(leveled, ((int)Math.Floor(py) * _width) + (int)Math.Floor(px), ref height);
                t += WalkStep;
            }

            width += t + (0.5 * WalkStep);
        }

        return (width, height);
    }

    /// <summary>The reference for <see cref="Across"/>: step by step along either side of the normal until the object ends.</summary>
    internal (double Width, double Height) AcrossReference(ReadOnlySpan<float> leveled, double x, double y, double nx, double ny, double limit)
    {
        double width = 0;
        double height = 0;
        for (var side = -1; side <= 1; side += 2)
        {
            var t = 0.0;
            while (t < limit)
            {
                var px = x + (side * (t + WalkStep) * nx);
                var py = y + (side * (t + WalkStep) * ny);
                if (!Inside(px, py))
                {
                    break;
                }

                Take(leveled, ((int)Math.Floor(py) * _width) + (int)Math.Floor(px), ref height);
                t += WalkStep;
            }

            width += t + (0.5 * WalkStep);
        }

        return (width, height);
    }

    /// <summary>The highest point so far, with pixel <paramref name="i"/> of the object met.</summary>
    private void Take(ReadOnlySpan<float> leveled, int i, ref double height)
    {
        var h = leveled[i];
        if (_stacked is not null && _stacked[i])
        {
            // Heights add where chromosomes are stacked: not this one's own height (bridged by FillCrossings).
            height = double.NaN;
        }
        else if (h > height)
        {
            height = h;
        }
    }

    private void Reverse()
    {
        Array.Reverse(_ax);
        Array.Reverse(_ay);
        var length = _as[^1];
        Array.Reverse(_as);
        for (var i = 0; i < _as.Length; i++)
        {
            _as[i] = length - _as[i];
        }
    }

    private static (double[] X, double[] Y) Resample(double[] x, double[] y, double spacing)
    {
        var arc = new double[x.Length];
        for (var i = 1; i < x.Length; i++)
        {
            arc[i] = arc[i - 1] + Math.Sqrt(Sq(x[i] - x[i - 1]) + Sq(y[i] - y[i - 1]));
        }

        var total = arc[^1];
        var count = Math.Max(2, (int)Math.Round(total / spacing) + 1);
        var ox = new double[count];
        var oy = new double[count];
        var j = 1;
        for (var k = 0; k < count; k++)
        {
            var s = total * k / (count - 1);
            while (j < arc.Length - 1 && arc[j] < s)
            {
                j++;
            }

            var s0 = arc[j - 1];
            var s1 = arc[j];
            var f = s1 > s0 ? Math.Clamp((s - s0) / (s1 - s0), 0, 1) : 0;
            ox[k] = x[j - 1] + (f * (x[j] - x[j - 1]));
            oy[k] = y[j - 1] + (f * (y[j] - y[j - 1]));
        }

        return (ox, oy);
    }

    private static (double[] X, double[] Y) CatmullRom(double[] cx, double[] cy, double spacing)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        var n = cx.Length;
        for (var i = 0; i < n - 1; i++)
        {
            // End segments reuse their end point as the missing neighbour.
            var i0 = Math.Max(0, i - 1);
            var i3 = Math.Min(n - 1, i + 2);
            var segment = Math.Sqrt(Sq(cx[i + 1] - cx[i]) + Sq(cy[i + 1] - cy[i]));
            var steps = Math.Max(1, (int)Math.Ceiling(segment / spacing));
            for (var k = 0; k < steps; k++)
            {
                var t = (double)k / steps;
                xs.Add(Spline(cx[i0], cx[i], cx[i + 1], cx[i3], t));
                ys.Add(Spline(cy[i0], cy[i], cy[i + 1], cy[i3], t));
            }
        }

        xs.Add(cx[^1]);
        ys.Add(cy[^1]);
        return ([.. xs], [.. ys]);
    }

    private static double Spline(double p0, double p1, double p2, double p3, double t)
    {
        var t2 = t * t;
        var t3 = t2 * t;
        return 0.5 * ((2 * p1) + ((p2 - p0) * t) + (((2 * p0) - (5 * p1) + (4 * p2) - p3) * t2) + (((3 * p1) - p0 - (3 * p2) + p3) * t3));
    }

    /// <summary>Gaussian smoothing with a window that shrinks near the ends (so the ends stay put rather than being pulled in).</summary>
    internal static double[] Smooth(double[] values, double sigma, bool vectors = true)
    {
        var n = values.Length;
        var result = new double[n];
        var radius = (int)Math.Ceiling(3 * sigma);

        // The weights, once (the same expression per offset as every sample used to evaluate: the same doubles).
        var reach = Math.Min(radius, Math.Max(0, (n - 1) / 2));
        Span<double> kernel = reach < 256 ? stackalloc double[(2 * reach) + 1] : new double[(2 * reach) + 1];
        for (var k = -reach; k <= reach; k++)
        {
            kernel[k + reach] = Math.Exp(-0.5 * k * k / (sigma * sigma));
        }

        // Where the whole window fits (radius ≤ reach), four samples side by side: each lane adds the same products in
        // the same order as one sample alone, and the weights' sum, the same for all, is added up once in that order.
        var i = 0;
        if (vectors && Vector256.IsHardwareAccelerated && radius <= reach)
        {
            double weight = 0;
            foreach (var w in kernel)
            {
                weight += w;
            }

            var weights = Vector256.Create(weight);
            ref var source = ref MemoryMarshal.GetArrayDataReference(values);
            for (; i < radius; i++)
            {
                result[i] = SmoothAt(values, kernel, reach, i, i);
            }

            for (; i + Vector256<double>.Count - 1 <= n - 1 - radius; i += Vector256<double>.Count)
            {
                var sums = Vector256<double>.Zero;
                for (var k = -radius; k <= radius; k++)
                {
                    sums += Vector256.Create(kernel[k + reach]) * Vector256.LoadUnsafe(ref source, (nuint)(i + k));
                }

                (sums / weights).StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(result), (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            result[i] = SmoothAt(values, kernel, reach, i, Math.Min(radius, Math.Min(i, n - 1 - i)));
        }

        return result;
    }

    /// <summary>The weighted mean of the values from i − r to i + r.</summary>
    private static double SmoothAt(double[] values, ReadOnlySpan<double> kernel, int reach, int i, int r)
    {
        double sum = 0, weight = 0;
        for (var k = -r; k <= r; k++)
        {
            var w = kernel[k + reach];
            sum += w * values[i + k];
            weight += w;
        }

        return sum / weight;
    }

    /// <summary>90th over 10th percentile of the ridge heights along the middle 80% of the axis (the tips are rounded).</summary>
    private static double HeightSpread(double[] heights)
    {
        var middle = heights[(heights.Length / 10)..^(heights.Length / 10)];
        if (middle.Length < 3)
        {
            return 1;
        }

        var low = QuantileOf(middle, 0.1);
        return low > 0 ? QuantileOf(middle, 0.9) / low : double.PositiveInfinity;
    }

    private static double QuantileOf(double[] values, double q)
    {
        var sorted = Sorted(values);
        return sorted[(int)Math.Round(q * (sorted.Length - 1))];
    }

    private static double MedianOf(double[] values)
    {
        var sorted = Sorted(values);
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]);
    }

    /// <summary>
    /// A sorted copy (Array.Sort rather than LINQ's ordering: the same values in the same places, NaN first in both; the
    /// profiles hold no −0, whose place among zeros the two could differ on).
    /// </summary>
    private static double[] Sorted(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return sorted;
    }
}
