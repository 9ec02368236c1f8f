using System.Runtime.Intrinsics;
using AfmEdge.Analysis.Geometry;
using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Segmentation;

/// <summary>
/// Splits an object made of chromosomes lying across each other (an X, a T, several crossings) into one instance per
/// chromosome, from its skeleton:
/// <list type="number">
/// <item>the skeleton is cut into branches between its end points and junctions; spurs shorter than a chromosome's
/// half-width (rounded tips) are pruned and junctions closer than a few half-widths are joined into one crossing
/// (two ribbons crossing at an angle thin into two junctions joined by a short link);</item>
/// <item>at every crossing the branches are paired by continuity: a chromosome runs straight or gently bent through
/// it, so the pair whose directions continue each other best (within <see cref="MaxTurn"/>) is one chromosome; a
/// branch left without a partner is a chromosome ending there (a T);</item>
/// <item>each chain of paired branches is a chromosome's axis; inside a crossing, and along a stretch past it where the
/// object is wider than the chromosome (a piece of the other lying beside it pulls the skeleton off its axis), the axis
/// is a straight run between the traced parts; every pixel goes to the chromosome whose axis is
/// within its half-width, and where two are (the crossing, where heights add) to the one on top: the one that runs
/// through the crossing rather than ending under it, else the higher ridge. The one beneath keeps both its visible
/// pieces under one id.</item>
/// <item>a chromosome ending under another runs on straight under it; where that run comes out on the far side, the
/// piece there outside the other's width is its own even where the piece left no skeleton branch (it sticks out less
/// than the crossing is wide).</item>
/// </list>
/// A crossing of ribbons gives no other cue to which lies on top when heights simply add, so that choice is a best
/// guess; pieces that cannot be told apart this way stay one cluster.
/// </summary>
internal static class CrossingSplitter
{
    // Largest change of direction through a crossing for two branches to be one chromosome (radians).
    private const double MaxTurn = 0.8;

    // A link between junctions higher than this times the branches around it runs where two chromosomes are stacked.
    private const double StackedRatio = 1.2;

    // Junctions nearer than this many half-widths are one crossing.

    // More chains than this is a tangle, not chromosomes lying across each other: the object stays a cluster.
    private const int MaxChains = 8;
    private const double JunctionMerge = 3.0;

    // End branches reaching less than this many half-widths beyond the disc inscribed at their root are spurs.
    private const double SpurLength = 0.25;

    /// <summary>
    /// Splits object <paramref name="id"/> in place: the first chromosome keeps <paramref name="id"/>, the others get
    /// <paramref name="nextId"/>, nextId + 1, …; <paramref name="axes"/> gets each id's axis through the crossings
    /// (pixel coordinates, pixel i spanning [i, i+1)), and <paramref name="stacked"/> is set where two of them lie on each
    /// other. Returns the number of new ids used (0: not split).
    /// </summary>
    /// <param name="skeleton">
    /// The object's skeleton on the same local grid when already thinned (<see cref="ChromosomeAxis.ThinnedMask"/>),
    /// used up here; null: thinned here.
    /// </param>
    /// <param name="boxDistances">
    /// The object's chamfer distances over <paramref name="box"/> itself (no margin, row-major) when already taken
    /// (<see cref="ChromosomeAxis.BoxDistances"/>); null: taken here.
    /// </param>
    public static int Split(int[] instances, int width, int rows, float[] leveled, int id, (int X0, int Y0, int X1, int Y1) box,
        double pixelX, double pixelY, AnalysisOptions options, int nextId, Dictionary<int, (double X, double Y)[]> axes, bool[] stacked,
        byte[]? skeleton = null, float[]? boxDistances = null)
    {
        // Local grid with a one-pixel margin, so thinning and the distance transform never touch its edge. Rented: a
        // chromosome-wide blob's grid is tens of thousands of pixels (fresh pages to fault in when allocated).
        int w = box.X1 - box.X0 + 3, h = box.Y1 - box.Y0 + 3;
        var local = AnalysisPool<int>.Shared.Rent(w * h);
        var distance = AnalysisPool<float>.Shared.Rent(w * h);
        try
        {
            local.AsSpan(0, w * h).Clear();
            var mask = skeleton is { Length: var length } && length == w * h ? skeleton : null;
            var thin = mask is null;
            mask ??= new byte[w * h];
            for (var y = box.Y0; y <= box.Y1; y++)
            {
                for (var x = box.X0; x <= box.X1; x++)
                {
                    if (instances[(y * width) + x] == id)
                    {
                        var i = ((y - box.Y0 + 1) * w) + (x - box.X0 + 1);
                        local[i] = 1;
                        if (thin)
                        {
                            mask[i] = 1;
                        }
                    }
                }
            }

            if (boxDistances is not null)
            {
                // The margin is background, as outside the box is to the object: the same distances, one pixel in.
                distance.AsSpan(0, w * h).Clear();
                var bw = w - 2;
                for (var y = 0; y < h - 2; y++)
                {
                    boxDistances.AsSpan(y * bw, bw).CopyTo(distance.AsSpan(((y + 1) * w) + 1, bw));
                }
            }
            else
            {
                HeightSegmenter.ChamferDistance(local, w, h, distance);
            }

            if (thin)
            {
                Skeleton.Thin(mask, w, h);
            }

            return Split(instances, width, leveled, id, box, pixelX, pixelY, options, nextId, axes, stacked, w, h, local, mask, distance);
        }
        finally
        {
            AnalysisPool<int>.Shared.Return(local);
            AnalysisPool<float>.Shared.Return(distance);
        }
    }

    private static int Split(int[] instances, int width, float[] leveled, int id, (int X0, int Y0, int X1, int Y1) box,
        double pixelX, double pixelY, AnalysisOptions options, int nextId, Dictionary<int, (double X, double Y)[]> axes, bool[] stacked,
        int w, int h, int[] local, byte[] mask, float[] distance)
    {
        var graph = SkeletonGraph.Build(mask, w, h);
        var radius = RadiusOf(graph, distance);
        graph.Prune(SpurLength * radius, JunctionMerge * radius, distance, p => leveled[((p / w) + box.Y0 - 1) * width + (p % w) + box.X0 - 1]);
        var chains = graph.Chains(MaxTurn, radius, distance, leveled, (x, y) => ((y + box.Y0 - 1) * width) + x + box.X0 - 1);

        // Chromosomes lying across each other give a chain each; a skeleton that falls into more is a tangle (a blob cut by
        // the frame's edge, a heap): no crossing to tell apart, and each chain would cost a distance pass over the object.
        if (chains.Count < 2 || chains.Count > MaxChains)
        {
            return 0;
        }

        var minPixels = options.MinArea / (pixelX * pixelY);
        // Each chain's distances do not change as others are dropped: taken once, then only the choice is made again.
        // Rented, as the grid is: only the grid's object pixels of the chain choice are ever read.
        var initial = chains.Count;
        var best = AnalysisPool<float>.Shared.Rent(w * h * initial);
        var (owner, overlap) = (AnalysisPool<int>.Shared.Rent(w * h), AnalysisPool<bool>.Shared.Rent(w * h));
        var column = new List<int>(Enumerable.Range(0, initial));
        try
        {
            for (var c = 0; c < initial; c++)
            {
                NearestSquared(chains[c].Axis, (int)Math.Ceiling((3 * chains[c].HalfWidth) + 3), local, w, h, best, initial, c);
            }

            if (!DropSmallChains(chains, column, local, best, initial, owner.AsSpan(0, w * h), overlap.AsSpan(0, w * h), minPixels))
            {
                return 0;
            }

            ClaimFarPieces(chains, column, local, best, initial, owner.AsSpan(0, w * h), w, h);

            for (var y = 1; y < h - 1; y++)
            {
                for (var x = 1; x < w - 1; x++)
                {
                    var i = (y * w) + x;
                    if (local[i] != 0)
                    {
                        instances[((y + box.Y0 - 1) * width) + x + box.X0 - 1] = owner[i] == 0 ? id : nextId + owner[i] - 1;
                        stacked[((y + box.Y0 - 1) * width) + x + box.X0 - 1] = overlap[i];
                    }
                }
            }
        }
        finally
        {
            AnalysisPool<float>.Shared.Return(best);
            AnalysisPool<int>.Shared.Return(owner);
            AnalysisPool<bool>.Shared.Return(overlap);
        }

        for (var c = 0; c < chains.Count; c++)
        {
            axes[c == 0 ? id : nextId + c - 1] = [.. chains[c].Axis.Select(p => (p.X + box.X0 - 1 + 0.5, p.Y + box.Y0 - 1 + 0.5))];
        }

        return chains.Count - 1;
    }

    /// <summary>A chromosome's half-width: the median inscribed radius along the skeleton (pixels).</summary>
    private static double RadiusOf(SkeletonGraph graph, float[] distance)
    {
        var values = graph.Pixels.Select(p => distance[p]).Order().ToArray();
        return values.Length == 0 ? 1 : Math.Max(1.0, values[values.Length / 2]);
    }

    /// <summary>
    /// Assigns every object pixel to a chain and drops the chain with the fewest pixels while it has too few to be a
    /// chromosome (a leftover spur gives its pixels to the others), one at a time. False when fewer than two remain.
    /// <paramref name="column"/>: each remaining chain's column of <paramref name="best"/>.
    /// </summary>
    private static bool DropSmallChains(List<Chain> chains, List<int> column, int[] local, float[] best, int stride, Span<int> owner, Span<bool> overlap,
        double minPixels)
    {
        var counts = new int[chains.Count];
        Choose(chains, column, local, best, stride, owner, overlap);
        while (true)
        {
            Array.Clear(counts);
            for (var i = 0; i < owner.Length; i++)
            {
                if (local[i] != 0)
                {
                    counts[owner[i]]++;
                }
            }

            var smallest = 0;
            for (var c = 1; c < chains.Count; c++)
            {
                smallest = counts[c] < counts[smallest] ? c : smallest;
            }

            if (counts[smallest] >= minPixels)
            {
                return true;
            }

            if (chains.Count <= 2)
            {
                chains.RemoveAt(smallest);
                column.RemoveAt(smallest);
                return false;
            }

            Drop(chains, column, local, best, stride, owner, overlap, smallest);
        }
    }

    // Where the inscribed radius along a branch exceeds this many half-widths, another chromosome lies beside or on it.
    private const double WideRatio = 1.25;

    // A branch's pixels near a junction straying farther than this many half-widths (at least PullToleranceFloor pixels)
    // from the line through its stretch PullGap to PullGap + PullFitSpan half-widths past the cut, where the object is
    // wider than PullWidening times the branch's median inscribed radius, are pulled off its axis.
    private const double PullTolerance = 0.1;
    private const double PullToleranceFloor = 1.0;
    private const double PullWidening = 1.1;
    private const double PullGap = 2.0;
    private const double PullFitSpan = 4.0;

    // A piece beyond a crossing, claimed by the chromosome running on under it, reaches at most this many half-widths
    // from that chromosome's straight run under the crossing, and sticks out at least FarPieceDepth of its half-widths
    // past the other's width (less is the other's flank, where a chromosome ends under it).
    private const double FarPieceReach = 4.0;
    private const double FarPieceDepth = 0.5;

    /// <summary>
    /// A chromosome that ends under another at a crossing whose far piece showed no skeleton branch (it sticks out less than
    /// the crossing is wide) runs on straight under it; its axis was extended through the crossing. Where that extension
    /// comes out on the far side, the pixels outside every other chromosome's width there, connected to it, are the piece
    /// of the one beneath: the nearest-axis rule would hand the piece's corner beside the other's flank to the other.
    /// </summary>
    private static void ClaimFarPieces(List<Chain> chains, List<int> column, int[] local, float[] best, int stride, Span<int> owner, int w, int h)
    {
        var n = w * h;
        int[]? queue = null;
        bool[]? seen = null;
        try
        {
            for (var c = 0; c < chains.Count; c++)
            {
                var chain = chains[c];
                foreach (var (from, to) in (ReadOnlySpan<(int, int)>)[(0, chain.HeadExtension), (chain.Axis.Length - chain.TailExtension, chain.Axis.Length)])
                {
                    if (to <= from)
                    {
                        continue;
                    }

                    queue ??= AnalysisPool<int>.Shared.Rent(n);
                    seen ??= AnalysisPool<bool>.Shared.Rent(n);
                    seen.AsSpan(0, n).Clear();
                    var reach = Sq((FarPieceReach * chain.HalfWidth) + 1);
                    var (start, end) = (chain.Axis[from], chain.Axis[to - 1]);
                    // Seeds: the run's samples past another chromosome's width (the far side; the near side is traced).
                    int head = 0, tail = 0;
                    var crossed = false;
                    for (var m = 0; m < to - from; m++)
                    {
                        var k = from == 0 ? to - 1 - m : from + m;
                        int x = (int)Math.Round(chain.Axis[k].X), y = (int)Math.Round(chain.Axis[k].Y);
                        var i = (y * w) + x;
                        if (x < 0 || y < 0 || x >= w || y >= h || local[i] == 0)
                        {
                            continue;
                        }

                        if (Under(i))
                        {
                            crossed = true;
                        }
                        else if (crossed && Free(i))
                        {
                            seen[i] = true;
                            queue[tail++] = i;
                        }
                    }

                    // 4-connected, so a piece does not leak along another's flank through a diagonal.
                    var depth = 0.0;
                    while (head < tail)
                    {
                        var i = queue[head++];
                        depth = Math.Max(depth, Outside(i));
                        foreach (var j in (ReadOnlySpan<int>)[i - 1, i + 1, i - w, i + w])
                        {
                            if (j >= 0 && j < n && Free(j))
                            {
                                seen[j] = true;
                                queue[tail++] = j;
                            }
                        }
                    }

                    if (depth >= FarPieceDepth * chain.HalfWidth)
                    {
                        for (var k = 0; k < tail; k++)
                        {
                            owner[queue[k]] = c;
                        }
                    }

                    bool Free(int i) => local[i] != 0 && !seen![i] && SegmentSquared(i % w, i / w, start, end) <= reach && !Under(i);

                    // How far a pixel lies outside every other chromosome's width.
                    double Outside(int i)
                    {
                        var least = double.PositiveInfinity;
                        for (var o = 0; o < chains.Count; o++)
                        {
                            if (o != c)
                            {
                                least = Math.Min(least, Math.Sqrt(best[(i * stride) + column[o]]) - chains[o].HalfWidth - 0.5);
                            }
                        }

                        return least;
                    }

                    // Within another chromosome's width: its pixel, or the crossing's.
                    bool Under(int i)
                    {
                        for (var o = 0; o < chains.Count; o++)
                        {
                            if (o != c && Math.Sqrt(best[(i * stride) + column[o]]) <= ChainChoice.OnLimit(chains[o].HalfWidth))
                            {
                                return true;
                            }
                        }

                        return false;
                    }
                }
            }
        }
        finally
        {
            if (queue is not null)
            {
                AnalysisPool<int>.Shared.Return(queue);
                AnalysisPool<bool>.Shared.Return(seen!);
            }
        }
    }

    private static double Sq(double v) => v * v;

    /// <summary>Squared distance from (x, y) to the segment from <paramref name="a"/> to <paramref name="b"/>.</summary>
    private static double SegmentSquared(double x, double y, (double X, double Y) a, (double X, double Y) b)
    {
        double dx = b.X - a.X, dy = b.Y - a.Y, length = (dx * dx) + (dy * dy);
        var t = length > 0 ? Math.Clamp((((x - a.X) * dx) + ((y - a.Y) * dy)) / length, 0, 1) : 0;
        return Sq(x - a.X - (t * dx)) + Sq(y - a.Y - (t * dy));
    }

    /// <summary>
    /// One step of the highest of a set of values as <see cref="Enumerable.Max(IEnumerable{double})"/> finds it (NaN only
    /// while every value so far is NaN), from NaN on: the same largest value in whatever order and however often each
    /// value comes (up to the sign of a zero).
    /// </summary>
    internal static double Highest(double highest, double value) => double.IsNaN(highest) || value > highest ? value : highest;

    // Side of the tiles NearestSquared prunes the axis samples by.
    private const int Tile = 8;

    /// <summary>
    /// Per object pixel, the squared distance to the nearest of the axis samples whose square reach (± <paramref name="reach"/>
    /// pixels, as the brute-force pass over each sample's square had it) holds the pixel, into best[i * stride + slot]
    /// (+∞ where none does). Tile by tile, a sample is skipped when even its nearest point of the tile lies farther than
    /// the farthest point of the tile from a sample whose reach holds the whole tile: it can be no pixel's nearest there,
    /// so the minimum, and every float of it, is the brute force's, at a fraction of the work (a chromosome-wide blob's
    /// reach is thousands of pixels per sample).
    /// </summary>
    internal static void NearestSquared((double X, double Y)[] axis, int reach, int[] local, int w, int h, float[] best, int stride, int slot)
    {
        var n = axis.Length;
        var bounds = AnalysisPool<int>.Shared.Rent(Math.Max(1, 4 * n));
        var candidates = AnalysisPool<int>.Shared.Rent(Math.Max(1, n));
        var nearness = AnalysisPool<double>.Shared.Rent(Math.Max(1, n));
        var band = AnalysisPool<int>.Shared.Rent(Math.Max(1, n));
        var byX = AnalysisPool<int>.Shared.Rent(Math.Max(1, n));
        var xs = AnalysisPool<double>.Shared.Rent(Math.Max(1, n));
        try
        {
            for (var k = 0; k < n; k++)
            {
                var (ax, ay) = axis[k];
                bounds[4 * k] = Math.Max(0, (int)(ax - reach));
                bounds[(4 * k) + 1] = Math.Min(w - 1, (int)(ax + reach));
                bounds[(4 * k) + 2] = Math.Max(0, (int)(ay - reach));
                bounds[(4 * k) + 3] = Math.Min(h - 1, (int)(ay + reach));
                byX[k] = k;
                xs[k] = ax;
            }

            // Along x, both ends of the reach grow with the sample's x: in that order the samples a column of tiles meets are
            // one stretch, which moves on as the columns do.
            xs.AsSpan(0, n).Sort(byX.AsSpan(0, n));

            for (var ty0 = 0; ty0 < h; ty0 += Tile)
            {
                var ty1 = Math.Min(h - 1, ty0 + Tile - 1);

                // The samples whose reach meets this row of tiles: the only ones any of its tiles looks at.
                var reaching = 0;
                foreach (var k in byX.AsSpan(0, n))
                {
                    if (bounds[(4 * k) + 2] <= ty1 && bounds[(4 * k) + 3] >= ty0)
                    {
                        band[reaching++] = k;
                    }
                }

                int first = 0, past = 0;
                for (var tx0 = 0; tx0 < w; tx0 += Tile)
                {
                    var tx1 = Math.Min(w - 1, tx0 + Tile - 1);
                    while (first < reaching && bounds[(4 * band[first]) + 1] < tx0)
                    {
                        first++;
                    }

                    while (past < reaching && bounds[4 * band[past]] <= tx1)
                    {
                        past++;
                    }

                    var any = false;
                    for (var y = ty0; y <= ty1 && !any; y++)
                    {
                        for (var x = tx0; x <= tx1; x++)
                        {
                            if (local[(y * w) + x] != 0)
                            {
                                any = true;
                                break;
                            }
                        }
                    }

                    if (!any)
                    {
                        continue;
                    }

                    // The least, over the samples reaching the whole tile, of their distance to its farthest pixel.
                    var bound = double.PositiveInfinity;
                    foreach (var k in band.AsSpan(first, past - first))
                    {
                        if (bounds[4 * k] <= tx0 && bounds[(4 * k) + 1] >= tx1 && bounds[(4 * k) + 2] <= ty0 && bounds[(4 * k) + 3] >= ty1)
                        {
                            var (ax, ay) = axis[k];
                            double fx = Math.Max(Math.Abs(tx0 - ax), Math.Abs(tx1 - ax)), fy = Math.Max(Math.Abs(ty0 - ay), Math.Abs(ty1 - ay));
                            bound = Math.Min(bound, (fx * fx) + (fy * fy));
                        }
                    }

                    var found = 0;
                    foreach (var k in band.AsSpan(first, past - first))
                    {
                        if (bounds[4 * k] > tx1 || bounds[(4 * k) + 1] < tx0 || bounds[(4 * k) + 2] > ty1 || bounds[(4 * k) + 3] < ty0)
                        {
                            continue;
                        }

                        var (ax, ay) = axis[k];
                        double nx = Math.Max(0, Math.Max(tx0 - ax, ax - tx1)), ny = Math.Max(0, Math.Max(ty0 - ay, ay - ty1));
                        var near = (nx * nx) + (ny * ny);
                        if (near <= bound)
                        {
                            candidates[found] = k;
                            nearness[found++] = near;
                        }
                    }

                    // Nearest to the tile first: a row's search ends at the first sample that cannot be nearer than what any
                    // of its pixels has (later samples change no pixel's least).
                    nearness.AsSpan(0, found).Sort(candidates.AsSpan(0, found));
                    for (var y = ty0; y <= ty1; y++)
                    {
                        NearestInRow(axis, bounds, candidates, nearness, found, local, w, y, tx0, tx1, best, stride, slot);
                    }
                }
            }
        }
        finally
        {
            AnalysisPool<int>.Shared.Return(bounds);
            AnalysisPool<int>.Shared.Return(candidates);
            AnalysisPool<double>.Shared.Return(nearness);
            AnalysisPool<int>.Shared.Return(band);
            AnalysisPool<int>.Shared.Return(byX);
            AnalysisPool<double>.Shared.Return(xs);
        }
    }

    /// <summary>
    /// The least squared distances of row <paramref name="y"/>'s object pixels within a tile (at most <see cref="Tile"/>,
    /// two vectors of four) over the tile's candidates, nearest first: each sample's distances to the row's pixels at once,
    /// +∞ where its square reach does not hold the pixel. The same double operations per pixel and sample as one at a
    /// time (no fused multiply-add), so every least is the same.
    /// </summary>
    private static void NearestInRow((double X, double Y)[] axis, int[] bounds, int[] candidates, double[] nearness, int found, int[] local, int w,
        int y, int tx0, int tx1, float[] best, int stride, int slot)
    {
        // Lanes beyond the tile or on background hold -∞ (they never lower the row's bound, and are not written).
        Span<double> start = stackalloc double[Tile];
        var any = false;
        for (var lane = 0; lane < Tile; lane++)
        {
            var x = tx0 + lane;
            var active = x <= tx1 && local[(y * w) + x] != 0;
            start[lane] = active ? double.PositiveInfinity : double.NegativeInfinity;
            any |= active;
        }

        if (!any)
        {
            return;
        }

        var low = Vector256.Create<double>(start);
        var high = Vector256.Create<double>(start[4..]);
        var xLow = Vector256.Create(tx0, tx0 + 1.0, tx0 + 2.0, tx0 + 3.0);
        var xHigh = xLow + Vector256.Create(4.0);
        var infinity = Vector256.Create(double.PositiveInfinity);
        var bound = double.PositiveInfinity;
        for (var j = 0; j < found && nearness[j] <= bound; j++)
        {
            var k = candidates[j];
            if (y < bounds[(4 * k) + 2] || y > bounds[(4 * k) + 3])
            {
                continue;
            }

            var (ax, ay) = axis[k];
            var dy = y - ay;
            var dy2 = Vector256.Create(dy * dy);
            var axes = Vector256.Create(ax);
            var dxLow = xLow - axes;
            var dxHigh = xHigh - axes;
            var dLow = (dxLow * dxLow) + dy2;
            var dHigh = (dxHigh * dxHigh) + dy2;
            int bx0 = bounds[4 * k], bx1 = bounds[(4 * k) + 1];
            if (bx0 > tx0 || bx1 < tx1)
            {
                // The reach holds part of the row only.
                var from = Vector256.Create((double)bx0);
                var to = Vector256.Create((double)bx1);
                dLow = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(xLow, from) & Vector256.LessThanOrEqual(xLow, to), dLow, infinity);
                dHigh = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(xHigh, from) & Vector256.LessThanOrEqual(xHigh, to), dHigh, infinity);
            }

            low = Vector256.Min(low, dLow);
            high = Vector256.Min(high, dHigh);
            var most = Vector256.Max(low, high);
            bound = Math.Max(Math.Max(most[0], most[1]), Math.Max(most[2], most[3]));
        }

        for (var lane = 0; lane < Tile && tx0 + lane <= tx1; lane++)
        {
            var i = (y * w) + tx0 + lane;
            if (local[i] != 0)
            {
                // Rounding to float is monotonic: the float of the least is the least of the floats the brute force kept.
                best[(i * stride) + slot] = (float)(lane < 4 ? low[lane] : high[lane - 4]);
            }
        }
    }

    /// <summary>
    /// Each object pixel to a chain: among the chains whose axis is within their half-width (plus half a pixel), the
    /// one on top; where none is, the nearest relative to its half-width. Chain c's squared distances are column
    /// <paramref name="column"/>[c] of <paramref name="best"/> (<paramref name="stride"/> columns, chain-minor).
    /// </summary>
    internal static void Choose(List<Chain> chains, List<int> column, int[] local, float[] best, int stride, Span<int> owner, Span<bool> overlap)
    {
        // Owner is exactly the grid (local and owner's array may be longer rented arrays).
        var choice = new ChainChoice(chains, column);
        for (var i = 0; i < owner.Length; i++)
        {
            if (local[i] != 0)
            {
                owner[i] = choice.Pick(best.AsSpan(i * stride, stride), out overlap[i]);
            }
        }
    }

    /// <summary>
    /// Removes chain <paramref name="dropped"/> and leaves every pixel's choice as <see cref="Choose"/> would make it among
    /// the others. Only a pixel the chain owned, or within either of its reach limits, is chosen again: elsewhere it took
    /// no part in the choice of the chain on top nor in the count of chains over the pixel, and was not the nearest
    /// where that decided, and dropping any other chain leaves the first nearest the first nearest. Those pixels only
    /// have their chain numbers above it move down one.
    /// </summary>
    internal static void Drop(List<Chain> chains, List<int> column, int[] local, float[] best, int stride, Span<int> owner, Span<bool> overlap, int dropped)
    {
        // The wider of its two reach limits holds the narrower.
        var (droppedColumn, reach) = (column[dropped], ChainChoice.OverLimit(chains[dropped].HalfWidth));
        chains.RemoveAt(dropped);
        column.RemoveAt(dropped);
        var choice = new ChainChoice(chains, column);
        for (var i = 0; i < owner.Length; i++)
        {
            if (local[i] == 0)
            {
                continue;
            }

            var d = Math.Sqrt(best[(i * stride) + droppedColumn]);
            if (owner[i] == dropped || d <= reach)
            {
                owner[i] = choice.Pick(best.AsSpan(i * stride, stride), out overlap[i]);
            }
            else if (owner[i] > dropped)
            {
                owner[i]--;
            }
        }
    }

    /// <summary>
    /// The chains' columns, reach limits and half-widths, and which of each two lies on top, looked up once per choice
    /// rather than per pixel (the limits are the same doubles as computed per pixel).
    /// </summary>
    private sealed class ChainChoice
    {
        private readonly int _count;
        private readonly int[] _columns;
        private readonly double[] _halves;
        private readonly double[] _onLimit;
        private readonly double[] _overLimit;
        private readonly bool[] _above;

        public ChainChoice(List<Chain> chains, List<int> column)
        {
            _count = chains.Count;
            (_columns, _halves, _onLimit, _overLimit, _above) = (new int[_count], new double[_count], new double[_count], new double[_count], new bool[_count * _count]);
            for (var c = 0; c < _count; c++)
            {
                var half = chains[c].HalfWidth;
                (_columns[c], _halves[c], _onLimit[c], _overLimit[c]) = (column[c], half, OnLimit(half), OverLimit(half));
                for (var o = 0; o < _count; o++)
                {
                    _above[(c * _count) + o] = chains[c].Above(chains[o]);
                }
            }
        }

        /// <summary>Distance from a chain's axis within which a pixel lies on it.</summary>
        public static double OnLimit(double halfWidth) => halfWidth + 0.5;

        /// <summary>Distance from a chain's axis within which it counts as over a pixel (stacked), wider than <see cref="OnLimit"/>.</summary>
        public static double OverLimit(double halfWidth) => (1.2 * halfWidth) + 1.5;

        /// <summary>The chain of the pixel with these squared distances (one per column); whether two or more lie over it.</summary>
        public int Pick(ReadOnlySpan<float> distances, out bool overlap)
        {
            int on = -1, near = 0, over = 0;
            var nearest = double.PositiveInfinity;
            for (var c = 0; c < _count; c++)
            {
                var d = Math.Sqrt(distances[_columns[c]]);
                if (d <= _onLimit[c])
                {
                    on = on < 0 || _above[(c * _count) + on] ? c : on;
                }

                // Stacked, for the height profiles: generously, as a flank a pixel or two further out still adds.
                if (d <= _overLimit[c])
                {
                    over++;
                }

                var relative = d / _halves[c];
                if (relative < nearest)
                {
                    nearest = relative;
                    near = c;
                }
            }

            overlap = over > 1;
            return on >= 0 ? on : near;
        }
    }

    /// <summary>One chromosome traced through the skeleton: its axis (local pixel coordinates), half-width and ridge height.</summary>
    /// <param name="HeadExtension">Samples at the axis' start that run on under a crossing (extended straight, not traced).</param>
    /// <param name="TailExtension">Samples at the axis' end that run on under a crossing.</param>
    internal sealed record Chain((double X, double Y)[] Axis, double HalfWidth, double Ridge, int EndsUnder, int HeadExtension = 0, int TailExtension = 0)
    {
        /// <summary>Whether this chain lies on top of <paramref name="other"/> where they overlap.</summary>
        public bool Above(Chain other) => EndsUnder != other.EndsUnder ? EndsUnder < other.EndsUnder : Ridge > other.Ridge;
    }

    /// <summary>The skeleton as a graph: nodes (end points and junctions, grouped) and the branches between them.</summary>
    private sealed class SkeletonGraph
    {
        private readonly int _width;
        private readonly int _rows;
        private readonly List<Node> _nodes = [];
        private readonly List<Branch> _branches = [];

        private SkeletonGraph(int width, int rows)
        {
            _width = width;
            _rows = rows;
        }

        public List<int> Pixels { get; } = [];

        public static SkeletonGraph Build(byte[] skeleton, int width, int rows)
        {
            var graph = new SkeletonGraph(width, rows);
            ThinStaircases(skeleton, width, rows);
            var n = skeleton.Length;
            var neighbours = AnalysisPool<byte>.Shared.Rent(n);
            var nodeOf = AnalysisPool<int>.Shared.Rent(n);
            var visited = AnalysisPool<bool>.Shared.Rent(n);
            try
            {
                Build(graph, skeleton, width, rows, neighbours, nodeOf, visited);
            }
            finally
            {
                AnalysisPool<byte>.Shared.Return(neighbours);
                AnalysisPool<int>.Shared.Return(nodeOf);
                AnalysisPool<bool>.Shared.Return(visited);
            }

            // A closed loop without any node (a ring) has no branch; it cannot be split here.
            return graph;
        }

        /// <summary>The nodes and branches of <paramref name="skeleton"/> into <paramref name="graph"/>, with rented tables (as long as the skeleton at least).</summary>
        private static void Build(SkeletonGraph graph, byte[] skeleton, int width, int rows, byte[] neighbours, int[] nodeOf, bool[] visited)
        {
            neighbours.AsSpan(0, skeleton.Length).Clear();
            for (var p = 0; p < skeleton.Length; p++)
            {
                if (skeleton[p] == 0)
                {
                    continue;
                }

                graph.Pixels.Add(p);
                var n = 0;
                foreach (var q in Around(p, width, rows))
                {
                    n += skeleton[q] != 0 ? 1 : 0;
                }

                neighbours[p] = (byte)n;
            }

            // Nodes: 8-connected groups of skeleton pixels that are not plain path pixels (two neighbours).
            nodeOf.AsSpan(0, skeleton.Length).Fill(-1);
            foreach (var p in graph.Pixels)
            {
                if (neighbours[p] == 2 || neighbours[p] == 0 || nodeOf[p] >= 0)
                {
                    continue;
                }

                var node = new Node(graph._nodes.Count);
                double cx = 0, cy = 0;
                graph._nodes.Add(node);
                var stack = new Stack<int>();
                stack.Push(p);
                nodeOf[p] = node.Index;
                while (stack.TryPop(out var q))
                {
                    node.Pixels.Add(q);
                    cx += q % width;
                    cy += q / width;
                    foreach (var r in Around(q, width, rows))
                    {
                        if (skeleton[r] != 0 && neighbours[r] != 2 && nodeOf[r] < 0)
                        {
                            nodeOf[r] = node.Index;
                            stack.Push(r);
                        }
                    }
                }

                node.Seeds.Add((cx / node.Pixels.Count, cy / node.Pixels.Count));
            }

            // Branches: walk from every node along path pixels to the next node.
            visited.AsSpan(0, skeleton.Length).Clear();
            foreach (var node in graph._nodes.ToArray())
            {
                foreach (var q in node.Pixels.ToArray())
                {
                    foreach (var r in Around(q, width, rows))
                    {
                        if (skeleton[r] == 0 || nodeOf[r] >= 0 || visited[r])
                        {
                            continue;
                        }

                        var path = new List<int>();
                        int previous = q, current = r, end = -1;
                        while (true)
                        {
                            if (nodeOf[current] >= 0)
                            {
                                end = nodeOf[current];
                                break;
                            }

                            visited[current] = true;
                            path.Add(current);
                            var next = -1;
                            foreach (var s in Around(current, width, rows))
                            {
                                if (skeleton[s] != 0 && s != previous && !visited[s] && !(path.Count == 1 && nodeOf[s] == node.Index))
                                {
                                    next = s;
                                    break;
                                }
                            }

                            if (next < 0)
                            {
                                // A dead end that is no end point (it runs into the branch itself): end the branch there.
                                path.RemoveAt(path.Count - 1);
                                var tip = new Node(graph._nodes.Count);
                                tip.Pixels.Add(current);
                                tip.Seeds.Add((current % width, current / width));
                                graph._nodes.Add(tip);
                                nodeOf[current] = tip.Index;
                                end = tip.Index;
                                break;
                            }

                            previous = current;
                            current = next;
                        }

                        if (end >= 0)
                        {
                            graph.Add(new Branch(node.Index, end, path));
                        }
                    }
                }
            }
        }

        /// <summary>
        /// Zhang–Suen leaves two-pixel-thick staircases whose pixels have three neighbours and would read as junctions:
        /// every pixel that is neither an end point nor needed for connectivity (its neighbours form one 8-connected
        /// group, Yokoi's number 1) goes, one at a time, so the skeleton's topology stays.
        /// </summary>
        private static void ThinStaircases(byte[] skeleton, int width, int rows)
        {
            var changed = true;
            while (changed)
            {
                changed = false;
                for (var y = 1; y < rows - 1; y++)
                {
                    for (var x = 1; x < width - 1; x++)
                    {
                        var p = (y * width) + x;
                        if (skeleton[p] == 0)
                        {
                            continue;
                        }

                        // Ring from east, counter-clockwise: E, NE, N, NW, W, SW, S, SE.
                        Span<int> ring =
                        [
                            skeleton[p + 1], skeleton[p - width + 1], skeleton[p - width], skeleton[p - width - 1],
                            skeleton[p - 1], skeleton[p + width - 1], skeleton[p + width], skeleton[p + width + 1],
                        ];
                        var count = 0;
                        foreach (var v in ring)
                        {
                            count += v != 0 ? 1 : 0;
                        }

                        if (count < 2)
                        {
                            continue;
                        }

                        var yokoi = 0;
                        for (var k = 0; k < 8; k += 2)
                        {
                            int a = ring[k] != 0 ? 0 : 1, b = ring[k + 1] != 0 ? 0 : 1, c = ring[(k + 2) % 8] != 0 ? 0 : 1;
                            yokoi += a - (a * b * c);
                        }

                        if (yokoi == 1)
                        {
                            skeleton[p] = 0;
                            changed = true;
                        }
                    }
                }
            }
        }

        private void Add(Branch branch)
        {
            _branches.Add(branch);
            Count(branch, 1);
        }

        private void Remove(Branch branch)
        {
            if (_branches.Remove(branch))
            {
                Count(branch, -1);
            }
        }

        /// <summary>Branch ends at each node (a loop counts twice), kept as branches come and go: pruning asks for them per branch.</summary>
        private readonly List<int> _degree = [];

        private void Count(Branch branch, int change)
        {
            foreach (var node in (ReadOnlySpan<int>)[branch.A, branch.B])
            {
                while (_degree.Count <= node)
                {
                    _degree.Add(0);
                }

                _degree[node] += change;
            }
        }

        private int Degree(int node) => node < _degree.Count ? _degree[node] : 0;

        /// <summary>Drops short spurs, joins junctions nearer than <paramref name="merge"/> and dissolves nodes left with two branches.</summary>
        public void Prune(double spur, double merge, float[] distance, Func<int, double> heightAt)
        {
            var changed = true;
            while (changed)
            {
                changed = false;

                // Spurs: an end branch off a junction that reaches less than about a half-width beyond the disc
                // inscribed at its root (a rounded or forked tip, a cut corner); an arm of a crossing reaches further.
                foreach (var b in _branches.ToArray())
                {
                    var (da, db) = (Degree(b.A), Degree(b.B));
                    if (b.A != b.B && ((da == 1 && db >= 3) || (db == 1 && da >= 3)) && b.Length < spur + Root(b, da == 1 ? b.B : b.A, distance))
                    {
                        Remove(b);
                        changed = true;
                    }
                }

                // Close junctions: one crossing.
                foreach (var b in _branches.ToArray())
                {
                    if (b.A != b.B && Degree(b.A) >= 3 && Degree(b.B) >= 3
                        && ((b.Length < merge && Extent(b.A, b.B) < merge) || Stacked(b, heightAt)))
                    {
                        Remove(b);
                        Merge(b.A, b.B, b.Pixels);
                        changed = true;
                        break;
                    }
                }

                // Short loops (a small hole at a crossing) belong to the crossing.
                foreach (var b in _branches.ToArray())
                {
                    if (b.A == b.B && b.Length < 2 * merge)
                    {
                        Remove(b);
                        _nodes[b.A].Pixels.AddRange(b.Pixels);
                        changed = true;
                    }
                }

                // A node left with two branches is no junction: join them.
                foreach (var node in _nodes)
                {
                    if (node.Alive && Degree(node.Index) == 2 && _branches.FirstOrDefault(b => b.A == node.Index || b.B == node.Index) is { } first
                        && _branches.LastOrDefault(b => b.A == node.Index || b.B == node.Index) is { } second && first != second)
                    {
                        Remove(first);
                        Remove(second);
                        var into = first.Towards(node.Index);
                        var from = second.From(node.Index);
                        var pixels = new List<int>(into.Pixels);
                        pixels.AddRange(OrderedBetween(node.Pixels, into.Pixels.Count > 0 ? into.Pixels[^1] : -1));
                        pixels.AddRange(from.Pixels);
                        Add(new Branch(into.A, from.B, pixels));
                        node.Alive = false;
                        changed = true;
                    }
                }
            }
        }

        /// <summary>
        /// Whether a link between two junctions runs where two chromosomes lie on each other (a shallow crossing, whose
        /// overlap is long): heights add there, so it stands well above every other branch at its two junctions.
        /// </summary>
        private bool Stacked(Branch link, Func<int, double> heightAt)
        {
            if (link.Pixels.Count == 0)
            {
                return false;
            }

            // The highest median over the other branches at either end, as Enumerable.Max had it over them, in one plain pass
            // over the branches (no filtered copy): pruning asks this of every link between junctions, pass after pass.
            var highest = double.NaN;
            var others = 0;
            foreach (var b in _branches)
            {
                if (b != link && b.Pixels.Count > 0 && (b.A == link.A || b.B == link.A || b.A == link.B || b.B == link.B))
                {
                    highest = Highest(highest, MedianHeight(b.Pixels, heightAt));
                    others++;
                }
            }

            return others > 0 && MedianHeight(link.Pixels, heightAt) > StackedRatio * highest;
        }

        /// <summary>The largest inscribed radius at the node pixels where <paramref name="branch"/> is rooted.</summary>
        private double Root(Branch branch, int node, float[] distance)
        {
            var start = branch.A == node ? (branch.Pixels.Count > 0 ? branch.Pixels[0] : -1) : (branch.Pixels.Count > 0 ? branch.Pixels[^1] : -1);
            var best = 0f;
            foreach (var p in _nodes[node].Pixels)
            {
                if (start < 0 || Sq((p % _width) - (start % _width)) + Sq((p / _width) - (start / _width)) <= 2)
                {
                    best = Math.Max(best, distance[p]);
                }
            }

            return best;
        }

        /// <summary>The largest distance between junctions found by thinning in nodes <paramref name="a"/> and <paramref name="b"/> together.</summary>
        private double Extent(int a, int b)
        {
            var seeds = _nodes[a].Seeds.Concat(_nodes[b].Seeds).ToArray();
            var extent = 0.0;
            for (var i = 0; i < seeds.Length; i++)
            {
                for (var j = i + 1; j < seeds.Length; j++)
                {
                    extent = Math.Max(extent, Math.Sqrt(Sq(seeds[i].X - seeds[j].X) + Sq(seeds[i].Y - seeds[j].Y)));
                }
            }

            return extent;
        }

        /// <summary>The node's pixels ordered nearest first from <paramref name="start"/> (all of them, for a short run through the node).</summary>
        private List<int> OrderedBetween(List<int> pixels, int start)
        {
            if (start < 0)
            {
                return [.. pixels];
            }

            int sx = start % _width, sy = start / _width;
            return [.. pixels.OrderBy(p => Sq((p % _width) - sx) + Sq((p / _width) - sy))];
        }

        private void Merge(int keep, int gone, List<int> link)
        {
            if (keep == gone)
            {
                return;
            }

            _nodes[keep].Pixels.AddRange(link);
            _nodes[keep].Pixels.AddRange(_nodes[gone].Pixels);
            _nodes[keep].Seeds.AddRange(_nodes[gone].Seeds);
            _nodes[gone].Alive = false;
            for (var i = 0; i < _branches.Count; i++)
            {
                var b = _branches[i];
                if (b.A == gone || b.B == gone)
                {
                    Count(b, -1);
                    _branches[i] = new Branch(b.A == gone ? keep : b.A, b.B == gone ? keep : b.B, b.Pixels);
                    Count(_branches[i], 1);
                }
            }
        }

        /// <summary>
        /// Pairs branches through every junction by continuity and follows the pairs into chains; each chain's axis is its
        /// branches with the stretch inside each crossing replaced by a straight run between the paired ends.
        /// </summary>
        public List<Chain> Chains(double maxTurn, double radius, float[] distance, float[] leveled, Func<int, int, int> global)
        {
            // Partner of each branch end (branch index * 2 + 0 for end A, + 1 for end B), -1 when it has none.
            var count = _branches.Count;
            var partner = new int[2 * count];
            Array.Fill(partner, -1);
            var trim = radius;
            foreach (var node in _nodes)
            {
                if (!node.Alive)
                {
                    continue;
                }

                var ends = new List<(int End, double Dx, double Dy)>();
                for (var b = 0; b < count; b++)
                {
                    for (var e = 0; e < 2; e++)
                    {
                        if ((e == 0 ? _branches[b].A : _branches[b].B) == node.Index)
                        {
                            var (dx, dy) = Direction(_branches[b], e, trim, radius);
                            ends.Add(((2 * b) + e, dx, dy));
                        }
                    }
                }

                if (ends.Count < 3)
                {
                    continue;
                }

                // Greedy: the best-continuing pair first.
                var pairs = new List<(double Turn, int I, int J)>();
                for (var i = 0; i < ends.Count; i++)
                {
                    for (var j = i + 1; j < ends.Count; j++)
                    {
                        if (ends[i].End / 2 == ends[j].End / 2)
                        {
                            continue;
                        }

                        // Leaving the node, a continuation points the opposite way.
                        var cos = -((ends[i].Dx * ends[j].Dx) + (ends[i].Dy * ends[j].Dy));
                        var turn = Math.Acos(Math.Clamp(cos, -1, 1));
                        if (turn <= maxTurn)
                        {
                            pairs.Add((turn, i, j));
                        }
                    }
                }

                foreach (var (_, i, j) in pairs.OrderBy(p => p.Turn))
                {
                    if (partner[ends[i].End] < 0 && partner[ends[j].End] < 0)
                    {
                        partner[ends[i].End] = ends[j].End;
                        partner[ends[j].End] = ends[i].End;
                    }
                }
            }

            // Follow the pairs from every free end; what is left are closed cycles, opened anywhere.
            var used = new bool[count];
            var chains = new List<Chain>();
            for (var pass = 0; pass < 2; pass++)
            {
                for (var b = 0; b < count; b++)
                {
                    for (var e = 0; e < 2 && !used[b]; e++)
                    {
                        if (pass == 0 && partner[(2 * b) + e] >= 0)
                        {
                            continue;
                        }

                        chains.Add(Follow(b, e, partner, used, trim, radius, distance, leveled, global));
                    }
                }
            }

            return chains;
        }

        private Chain Follow(int branch, int startEnd, int[] partner, bool[] used, double trim, double radius, float[] distance, float[] leveled, Func<int, int, int> global)
        {
            bool inside(double x, double y)
            {
                int ix = (int)Math.Round(x), iy = (int)Math.Round(y);
                return ix >= 0 && iy >= 0 && ix < _width && iy < _rows && distance[(iy * _width) + ix] > 0;
            }

            var axis = new List<(double X, double Y)>();
            var own = new List<int>();
            var endsUnder = 0;
            var end = startEnd;
            var firstNode = end == 0 ? _branches[branch].A : _branches[branch].B;
            var lastNode = -1;
            if (Degree(firstNode) >= 3)
            {
                endsUnder++;
            }

            while (branch >= 0 && !used[branch])
            {
                used[branch] = true;
                var b = _branches[branch];
                var pixels = end == 0 ? b.Pixels : [.. Enumerable.Reverse(b.Pixels)];
                int startNode = end == 0 ? b.A : b.B, endNode = end == 0 ? b.B : b.A;

                // Inside a crossing the skeleton bends towards the junction: keep only the branch outside it, and outside
                // where the object is wider than one chromosome (a piece of the other lying beside it pulls it off its axis).
                var cut = (int)Math.Min(trim, pixels.Count / 3.0);
                var from = Degree(startNode) >= 3 ? Pulled(pixels, false, Math.Max(cut, Widened(pixels, false, distance)), radius, distance) : 0;
                var to = Degree(endNode) >= 3 ? pixels.Count - Pulled(pixels, true, Math.Max(cut, Widened(pixels, true, distance)), radius, distance) : pixels.Count;
                for (var k = from; k < to; k++)
                {
                    var p = pixels[k];
                    var point = ((double)(p % _width), (double)(p / _width));
                    if (axis.Count > 0)
                    {
                        Bridge(axis, point);
                    }

                    axis.Add(point);
                    own.Add(p);
                }

                var other = (2 * branch) + (1 - end);
                var next = partner[other];
                if (next < 0)
                {
                    endsUnder += Degree(endNode) >= 3 ? 1 : 0;
                    lastNode = endNode;
                    break;
                }

                branch = next / 2;
                end = next % 2;
            }

            // A chromosome that ends at a crossing runs on under the other one: its axis goes on to the crossing's middle.
            int head = 0, tail = 0;
            if (axis.Count >= 2 && Degree(firstNode) >= 3)
            {
                axis.Reverse();
                head = ExtendTo(axis, _nodes[firstNode], radius, inside);
                axis.Reverse();
            }

            if (axis.Count >= 2 && lastNode >= 0 && Degree(lastNode) >= 3)
            {
                tail = ExtendTo(axis, _nodes[lastNode], radius, inside);
            }

            var half = own.Count == 0 ? trim : Median(own.Select(p => (double)distance[p]));
            var ridge = own.Count == 0 ? 0 : Median(own.Select(p => (double)leveled[global(p % _width, p / _width)]));
            return new Chain([.. axis], Math.Max(1.0, half), ridge, endsUnder, head, tail);
        }

        /// <summary>
        /// How many pixels from the start (or the end) of <paramref name="pixels"/> reach the last place, within the half of
        /// them nearer that end, where the object is wider than the branch's own chromosome (inscribed radius above
        /// <see cref="WideRatio"/> times the branch's median): a piece of the other chromosome lying beside this one past
        /// the crossing, which pulls the skeleton off its axis.
        /// </summary>
        private static int Widened(List<int> pixels, bool fromEnd, float[] distance)
        {
            var own = Median(pixels.Select(p => (double)distance[p]));
            var reach = 0;
            for (var k = 0; k < pixels.Count / 2; k++)
            {
                if (distance[pixels[fromEnd ? pixels.Count - 1 - k : k]] > WideRatio * own)
                {
                    reach = k + 1;
                }
            }

            return reach;
        }

        /// <summary>
        /// How many pixels from the start (or the end) of <paramref name="pixels"/> to leave out, at least
        /// <paramref name="cut"/>: past the cut, the skeleton may still bend off towards a piece of the other chromosome
        /// lying beside this one, where the object is not yet wide enough for <see cref="Widened"/> to tell. A chromosome's
        /// axis is smooth at the scale of its width: walking from the branch's interior towards the junction, the first pixel
        /// straying more than <see cref="PullTolerance"/> half-widths (at least <see cref="PullToleranceFloor"/> pixels) from
        /// the line through the branch's next <see cref="PullFitSpan"/> half-widths (starting <see cref="PullGap"/> half-widths
        /// past the cut) where the object is wider than <see cref="PullWidening"/> times the branch's median inscribed radius
        /// (something lies beside it: a bent branch alone strays as far, but stays as wide as itself) and every pixel nearer
        /// the junction are left out too; the straight run through the crossing replaces them. A branch too short for that
        /// line keeps the cut.
        /// </summary>
        private int Pulled(List<int> pixels, bool fromEnd, int cut, double radius, float[] distance)
        {
            var n = pixels.Count;
            int r0 = cut + (int)Math.Ceiling(PullGap * radius), r1 = Math.Min(r0 + (int)Math.Ceiling(PullFitSpan * radius), n - 1);
            if (r1 - r0 < 2 * radius)
            {
                return cut;
            }

            // Least-squares line through the reference stretch: its centroid and principal direction.
            double mx = 0, my = 0;
            for (var k = r0; k <= r1; k++)
            {
                var p = pixels[fromEnd ? n - 1 - k : k];
                mx += p % _width;
                my += p / _width;
            }

            var count = r1 - r0 + 1;
            (mx, my) = (mx / count, my / count);
            double sxx = 0, sxy = 0, syy = 0;
            for (var k = r0; k <= r1; k++)
            {
                var p = pixels[fromEnd ? n - 1 - k : k];
                double dx = (p % _width) - mx, dy = (p / _width) - my;
                (sxx, sxy, syy) = (sxx + (dx * dx), sxy + (dx * dy), syy + (dy * dy));
            }

            var angle = 0.5 * Math.Atan2(2 * sxy, sxx - syy);
            var (ux, uy) = (Math.Cos(angle), Math.Sin(angle));
            var tolerance = Math.Max(PullToleranceFloor, PullTolerance * radius);
            var widened = PullWidening * Median(pixels.Select(q => (double)distance[q]));
            for (var k = r0 - 1; k >= cut; k--)
            {
                var p = pixels[fromEnd ? n - 1 - k : k];
                double dx = (p % _width) - mx, dy = (p / _width) - my;
                if (Math.Abs((dx * uy) - (dy * ux)) > tolerance && distance[p] > widened)
                {
                    return k + 1;
                }
            }

            return cut;
        }

        /// <summary>
        /// Extends the axis straight along its last direction as far as the middle of <paramref name="node"/> lies along it;
        /// returns how many samples it added.
        /// </summary>
        private static int ExtendTo(List<(double X, double Y)> axis, Node node, double radius, Func<double, double, bool> inside)
        {
            var back = axis[Math.Max(0, axis.Count - 1 - (int)Math.Ceiling(2 * radius))];
            var (lx, ly) = axis[^1];
            double dx = lx - back.X, dy = ly - back.Y;
            var norm = Math.Sqrt((dx * dx) + (dy * dy));
            if (norm == 0)
            {
                return 0;
            }

            var count = axis.Count;
            var mx = node.Seeds.Average(p => p.X);
            var my = node.Seeds.Average(p => p.Y);
            var reach = (((mx - lx) * dx) + ((my - ly) * dy)) / norm;
            // Past the middle it goes on while the object does: a chromosome crossed at a shallow angle lies along the
            // other one for a while (inside the other's outline its pixels go to the one on top anyway).
            dx /= norm;
            dy /= norm;
            reach = Math.Max(reach, 0);
            while (inside(lx + ((reach + 1) * dx), ly + ((reach + 1) * dy)))
            {
                reach++;
            }

            if (reach > 1)
            {
                Bridge(axis, (lx + (reach * dx), ly + (reach * dy)));
                axis.Add((lx + (reach * dx), ly + (reach * dy)));
            }

            return axis.Count - count;
        }

        /// <summary>Straight samples a pixel apart from the axis' last point to <paramref name="to"/> (a run through a crossing).</summary>
        private static void Bridge(List<(double X, double Y)> axis, (double X, double Y) to)
        {
            var (fx, fy) = axis[^1];
            var gap = Math.Sqrt(Sq(to.X - fx) + Sq(to.Y - fy));
            for (var k = 1; k < gap - 0.5; k++)
            {
                axis.Add((fx + ((to.X - fx) * k / gap), fy + ((to.Y - fy) * k / gap)));
            }
        }

        /// <summary>Unit direction of a branch leaving its end <paramref name="end"/>, past the crossing's bend.</summary>
        private (double X, double Y) Direction(Branch branch, int end, double trim, double radius)
        {
            var pixels = branch.Pixels;
            if (pixels.Count == 0)
            {
                return (0, 0);
            }

            var n = pixels.Count;
            var a = (int)Math.Min(trim, n / 3.0);
            var b = (int)Math.Min(a + (4 * radius), n - 1);
            var p = pixels[end == 0 ? a : n - 1 - a];
            var q = pixels[end == 0 ? b : n - 1 - b];
            double dx = (q % _width) - (p % _width), dy = (q / _width) - (p / _width);
            var norm = Math.Sqrt((dx * dx) + (dy * dy));
            return norm > 0 ? (dx / norm, dy / norm) : (0, 0);
        }

        /// <summary>
        /// The median height along a branch's pixels, once per pixel list (pruning asks again after every merge; a branch's
        /// pixels never change once it is made, and a rebuilt branch shares the list).
        /// </summary>
        private double MedianHeight(List<int> pixels, Func<int, double> heightAt)
        {
            if (!_medianHeights.TryGetValue(pixels, out var median))
            {
                median = Median(pixels.Select(heightAt));
                _medianHeights.Add(pixels, median);
            }

            return median;
        }

        private readonly Dictionary<List<int>, double> _medianHeights = new(ReferenceEqualityComparer.Instance);

        private static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted[sorted.Length / 2];
        }

        /// <summary>The 8 neighbours of <paramref name="p"/> inside the grid, row by row (an enumerator that allocates nothing).</summary>
        private static Neighbours Around(int p, int width, int rows) => new(p % width, p / width, width, rows);

        private struct Neighbours(int x, int y, int width, int rows)
        {
            private int _k = -1;

            public int Current { get; private set; }

            public readonly Neighbours GetEnumerator() => this;

            public bool MoveNext()
            {
                while (++_k < 9)
                {
                    int dy = (_k / 3) - 1, dx = (_k % 3) - 1;
                    int xx = x + dx, yy = y + dy;
                    if ((dx | dy) != 0 && (uint)xx < (uint)width && (uint)yy < (uint)rows)
                    {
                        Current = (yy * width) + xx;
                        return true;
                    }
                }

                return false;
            }
        }

        private sealed class Node(int index)
        {
            public int Index { get; } = index;

            public List<int> Pixels { get; } = [];

            /// <summary>Where thinning put the junction(s) this node stands for: the centroids of their pixels.</summary>
            public List<(double X, double Y)> Seeds { get; } = [];

            public bool Alive { get; set; } = true;
        }

        /// <summary>A run of skeleton pixels from node A to node B (excluding the nodes' own pixels).</summary>
        private sealed record Branch(int A, int B, List<int> Pixels)
        {
            public double Length => Pixels.Count + 1;

            /// <summary>This branch oriented to end at <paramref name="node"/>.</summary>
            public Branch Towards(int node) => B == node ? this : new Branch(B, A, [.. Enumerable.Reverse(Pixels)]);

            /// <summary>This branch oriented to start at <paramref name="node"/>.</summary>
            public Branch From(int node) => A == node ? this : new Branch(B, A, [.. Enumerable.Reverse(Pixels)]);
        }
    }
}
