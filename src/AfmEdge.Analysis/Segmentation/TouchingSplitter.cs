using System.Buffers;
using AfmEdge.Analysis.Geometry;
using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Segmentation;

/// <summary>
/// Splits an object that measures as several chromosomes (touching side to side or tip to side, see
/// <see cref="ChromosomeMeasurement.IsCluster"/>) into single chromosomes:
/// <list type="number">
/// <item>markers: the persistent maxima of height × distance-to-edge (the distance capped at
/// <see cref="AnalysisOptions.SplitNeckRadius"/>, so it only counts in necks narrower than any chromosome), found and
/// flooded in one priority flood from the highest value down; every pixel of the object joins a basin, and the
/// basins meet along the valleys of height (two chromosomes side by side) and at the necks (a tip against a side);</item>
/// <item>the basins over-segment (primary constrictions, bands): adjacent basins are merged, strongest contact first
/// (shared boundary over the smaller one's inscribed radius), whenever their union still measures as one chromosome
/// (no branch, no neck narrower than any primary constriction, no width or height step) — a dividing line that is
/// not a constriction between two chromosomes does not survive;</item>
/// <item>the split holds only when every piece measures as one chromosome; else the object stays a cluster.</item>
/// </list>
/// The work is O(n log n) in the object's bounding box and runs only for objects flagged as clusters.
/// </summary>
internal static class TouchingSplitter
{
    // A maximum of height × capped distance survives as a marker when it stands this far (relative) above the saddle
    // to a higher one: bands (±6%) and chamfer steps do not; necks and height valleys between chromosomes do.
    private const double MarkerPersistence = 0.35;

    // More basins than this is a tangle the pairwise merge cannot sort out in reasonable time: the object stays a cluster.
    private const int MaxBasins = 48;

    /// <summary>
    /// Splits object <paramref name="id"/> of <paramref name="instances"/> in place when its pieces each measure as one
    /// chromosome: the first piece keeps <paramref name="id"/>, the others get <paramref name="nextId"/>, nextId + 1, ….
    /// Returns the number of new ids used (0: not split). <paramref name="wholeIsCluster"/>: the whole object measures as a
    /// cluster even as a piece (<see cref="ChromosomeMeasurement.IsClusterAsPiece"/>), so a union of all its basins is
    /// not measured again. <paramref name="boxDistances"/>: the object's chamfer distances over <paramref name="box"/> when
    /// already taken (<see cref="ChromosomeAxis.BoxDistances"/>).
    /// </summary>
    public static int Split(int[] instances, int width, int rows, float[] leveled, int id, (int X0, int Y0, int X1, int Y1) box,
        double pixelX, double pixelY, AnalysisOptions options, int nextId, bool wholeIsCluster = false, float[]? boxDistances = null)
    {
        int bw = box.X1 - box.X0 + 1, bh = box.Y1 - box.Y0 + 1, m = bw * bh;
        var ints = ArrayPool<int>.Shared;
        var floats = ArrayPool<float>.Shared;
        var local = ints.Rent(m);
        var basin = ints.Rent(m);
        var order = ints.Rent(m);
        var distance = floats.Rent(m);
        var landscape = floats.Rent(m);
        try
        {
            for (var y = 0; y < bh; y++)
            {
                for (var x = 0; x < bw; x++)
                {
                    local[(y * bw) + x] = instances[((y + box.Y0) * width) + x + box.X0] == id ? 1 : 0;
                }
            }

            // The object's distances over its box, when its measurement kept them (the same transform of the same mask).
            if (boxDistances is not null)
            {
                boxDistances.AsSpan(0, m).CopyTo(distance);
            }
            else
            {
                HeightSegmenter.ChamferDistance(local, bw, bh, distance);
            }

            var cap = (float)Math.Max(1.0, options.SplitNeckRadius / Math.Sqrt(pixelX * pixelY));
            var count = 0;
            for (var y = 0; y < bh; y++)
            {
                for (var x = 0; x < bw; x++)
                {
                    var i = (y * bw) + x;
                    if (local[i] == 0)
                    {
                        continue;
                    }

                    var h = leveled[((y + box.Y0) * width) + x + box.X0];
                    landscape[i] = float.IsFinite(h) ? Math.Max(h, 0f) * Math.Min(distance[i], cap) : 0f;
                    order[count++] = i;
                }
            }

            var basins = Flood(landscape, order.AsSpan(0, count), basin, bw, bh, out _);
            if (basins < 2 || basins > MaxBasins)
            {
                return 0;
            }

            // A frame-sized grid the pieces are measured on: zero but where the merge writes the box (cleared after).
            var scratch = ZeroedGrids.Rent(instances.Length);
            int[]? pieceOf;
            try
            {
                pieceOf = Merge(basins, basin, local, distance, bw, bh, box, scratch, width, rows, leveled, pixelX, pixelY, options, wholeIsCluster);
            }
            finally
            {
                for (var y = box.Y0; y <= box.Y1; y++)
                {
                    scratch.AsSpan((y * width) + box.X0, bw).Clear();
                }

                ZeroedGrids.Return(scratch);
            }

            if (pieceOf is null)
            {
                return 0;
            }

            var used = 0;
            for (var y = 0; y < bh; y++)
            {
                for (var x = 0; x < bw; x++)
                {
                    var i = (y * bw) + x;
                    if (local[i] != 0)
                    {
                        var piece = pieceOf[basin[i]];
                        instances[((y + box.Y0) * width) + x + box.X0] = piece == 0 ? id : nextId + piece - 1;
                        used = Math.Max(used, piece);
                    }
                }
            }

            return used;
        }
        finally
        {
            ints.Return(local);
            ints.Return(basin);
            ints.Return(order);
            floats.Return(distance);
            floats.Return(landscape);
        }
    }

    /// <summary>
    /// Persistence flood of <paramref name="landscape"/> over the object's pixels (<paramref name="order"/>), highest first,
    /// 8-connected. Writes 0-based basin numbers into <paramref name="basin"/> (−1 at the box's other pixels) and returns how
    /// many there are.
    /// </summary>
    /// <remarks>
    /// The order is the comparison sort's of the negated values (<see cref="MemoryExtensions.Sort{TKey, TValue}(Span{TKey}, Span{TValue})"/>
    /// from the given order), whose order among equal values is its own. The radix sort finds the same order but within
    /// equal values, and those orders flood alike where no pixel of a run of equal values reads what another writes: no
    /// two of them neighbours, no basin one merges away next to another, and at most one of them a new basin (basins are
    /// numbered in flood order); or where the run is two neighbours that flood alike either way (one alone, or each next to
    /// one basin). Equal values mostly are a few pairs far apart, so the comparison sort (of tens of
    /// thousands of pixels) runs only where a run fails that test (<paramref name="comparisonOrder"/>: it ran).
    /// </remarks>
    internal static int Flood(float[] landscape, Span<int> order, int[] basin, int bw, int bh, out bool comparisonOrder)
    {
        comparisonOrder = false;
        var n = order.Length;
        var keys = ArrayPool<float>.Shared.Rent(n);
        var peak = ArrayPool<float>.Shared.Rent(bw * bh);
        var original = AnalysisPool<int>.Shared.Rent(n);
        try
        {
            order.CopyTo(original);
            var ties = SortHighestFirst(landscape, order, keys.AsSpan(0, n));
            if (!FloodInOrder(landscape, order, keys.AsSpan(0, n), basin, peak, bw, bh, checkTies: ties))
            {
                // A run of equal values whose order matters (or a NaN): the comparison sort's own order.
                comparisonOrder = true;
                original.AsSpan(0, n).CopyTo(order);
                for (var k = 0; k < n; k++)
                {
                    keys[k] = -landscape[order[k]];
                }

                keys.AsSpan(0, n).Sort(order);
                FloodInOrder(landscape, order, keys.AsSpan(0, n), basin, peak, bw, bh, checkTies: false);
            }

            // Roots → 0-based basin numbers (a root is its own parent; number it first, then everything else).
            var count = 0;
            foreach (var p in order)
            {
                if (basin[p] == p)
                {
                    peak[p] = count++;
                }
            }

            // Every pixel's number is read through the parents before any is overwritten: held meanwhile in the sort keys'
            // place (done with), as the roots' numbers are held, as floats.
            for (var k = 0; k < n; k++)
            {
                keys[k] = peak[HeightSegmenter.Find(basin, order[k])];
            }

            for (var k = 0; k < n; k++)
            {
                basin[order[k]] = (int)keys[k];
            }

            return count;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(keys);
            ArrayPool<float>.Shared.Return(peak);
            AnalysisPool<int>.Shared.Return(original);
        }
    }

    // Runs of equal values longer than this are not tested pixel by pixel (a plateau): the comparison sort orders them.
    private const int MaxTieRun = 16;

    /// <summary>
    /// Floods the pixels in <paramref name="order"/> (sorted keys alongside). With <paramref name="checkTies"/>, before each
    /// run of equal keys it tests that the run floods alike in any order, and returns false (the flood unfinished) where
    /// one does not or a key is NaN.
    /// </summary>
    private static bool FloodInOrder(float[] landscape, Span<int> order, Span<float> keys, int[] basin, float[] peak, int bw, int bh, bool checkTies)
    {
        basin.AsSpan(0, bw * bh).Fill(-1);
        Span<int> roots = stackalloc int[8];
        Span<int> runRoots = stackalloc int[8 * MaxTieRun];
        Span<int> runOwners = stackalloc int[8 * MaxTieRun];
        var n = order.Length;
        var runEnd = 0;
        for (var k = 0; k < n; k++)
        {
            if (checkTies && k >= runEnd)
            {
                if (float.IsNaN(keys[k]))
                {
                    return false;
                }

                runEnd = k + 1;
                while (runEnd < n && keys[runEnd] == keys[k])
                {
                    runEnd++;
                }

                if (runEnd - k > 1 && !FloodsAlikeInAnyOrder(order[k..runEnd], landscape, basin, peak, bw, bh, roots, runRoots, runOwners))
                {
                    return false;
                }
            }

            FloodPixel(landscape, order[k], basin, peak, bw, bh, roots);
        }

        return true;
    }

    /// <summary>
    /// Whether the run of equal-valued pixels <paramref name="run"/> floods to the same basins in every order: no two are
    /// neighbours (one would see the other flooded), no basin one of them merges into another neighbours any other (that
    /// one would find the merged basin instead), and at most one starts a basin (basins are numbered in flood order); or the
    /// run is two neighbours that flood alike either way (<see cref="NeighboursFloodAlike"/>).
    /// </summary>
    private static bool FloodsAlikeInAnyOrder(ReadOnlySpan<int> run, float[] landscape, int[] basin, float[] peak, int bw, int bh,
        Span<int> roots, Span<int> runRoots, Span<int> runOwners)
    {
        if (run.Length > MaxTieRun)
        {
            return false;
        }

        var total = 0;
        var fresh = 0;
        for (var i = 0; i < run.Length; i++)
        {
            int p = run[i], px = p % bw, py = p / bw;
            for (var j = 0; j < i; j++)
            {
                int q = run[j], qx = q % bw, qy = q / bw;
                if (Math.Abs(px - qx) <= 1 && Math.Abs(py - qy) <= 1)
                {
                    return run.Length == 2 && NeighboursFloodAlike(run[0], run[1], landscape, basin, peak, bw, bh, roots);
                }
            }

            var found = HeightSegmenter.NeighbourRoots(basin, p, bw, bh, roots);
            fresh += found == 0 ? 1 : 0;
            roots[..found].CopyTo(runRoots[total..]);
            runOwners.Slice(total, found).Fill(i);
            total += found;
        }

        if (fresh > 1)
        {
            return false;
        }

        // The basins each pixel would merge (as FloodPixel decides), none of them next to another pixel of the run.
        var start = 0;
        for (var i = 0; i < run.Length; i++)
        {
            var end = start;
            while (end < total && runOwners[end] == i)
            {
                end++;
            }

            var mine = runRoots[start..end];
            if (mine.Length > 1)
            {
                var value = landscape[run[i]];
                var highest = mine[0];
                foreach (var r in mine[1..])
                {
                    highest = peak[r] > peak[highest] ? r : highest;
                }

                foreach (var r in mine)
                {
                    if (r != highest && peak[r] - value < MarkerPersistence * peak[r]
                        && (runRoots[..start].Contains(r) || runRoots[end..total].Contains(r)))
                    {
                        return false;
                    }
                }
            }

            start = end;
        }

        return true;
    }

    /// <summary>
    /// Whether two neighbouring pixels of equal value (the whole run) flood to the same basins in either order. When neither
    /// has a flooded neighbour, the two make one new basin (rooted at whichever comes first; basins are numbered by their
    /// roots' places in the flood order, and the two places are next to each other in either order). When only one has, it
    /// joins the highest of its basins and merges the same shallow ones in either order (the lone pixel, flooded first, is a
    /// new basin of peak equal to the value, below every earlier basin's peak, so never the highest); flooded first, the lone
    /// pixel's basin is then merged into that highest one too (its peak less the value, 0, is below the persistence's share
    /// of its peak where the value is above 0); flooded second, the lone pixel joins it. When each has one basin about it,
    /// the same one: both join it. Two different ones: the second pixel sees both and, where their peaks differ and the lower
    /// one is shallow, merges it into the higher, whichever pixel comes second; both end in the higher. In every such case
    /// the two orders leave the same basins with the same roots (upsampled heights give such pairs); otherwise false.
    /// </summary>
    private static bool NeighboursFloodAlike(int a, int b, float[] landscape, int[] basin, float[] peak, int bw, int bh, Span<int> roots)
    {
        var value = landscape[a];
        Span<int> rootsB = stackalloc int[8];
        var foundA = HeightSegmenter.NeighbourRoots(basin, a, bw, bh, roots);
        var foundB = HeightSegmenter.NeighbourRoots(basin, b, bw, bh, rootsB);
        if (foundA != 0 && foundB != 0)
        {
            if (foundA != 1 || foundB != 1)
            {
                return false;
            }

            int first = roots[0], second = rootsB[0];
            if (first == second)
            {
                return true;
            }

            // The lower of the two is merged into the higher as FloodPixel decides (a tie of peaks: the scan order decides).
            if (!(peak[first] != peak[second]))
            {
                return false;
            }

            var lower = peak[first] < peak[second] ? first : second;
            return peak[lower] - value < MarkerPersistence * peak[lower];
        }

        var found = Math.Max(foundA, foundB);
        var theirs = foundA != 0 ? roots[..found] : rootsB[..found];
        if (found == 0)
        {
            return true;
        }

        if (!(value > 0))
        {
            return false;
        }

        foreach (var r in theirs)
        {
            if (!(peak[r] > value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One pixel of the flood: a new basin, or joined to its highest neighbouring basin, merging the shallow ones into it.</summary>
    private static void FloodPixel(float[] landscape, int p, int[] basin, float[] peak, int bw, int bh, Span<int> roots)
    {
        var value = landscape[p];
        var found = HeightSegmenter.NeighbourRoots(basin, p, bw, bh, roots);
        if (found == 0)
        {
            basin[p] = p;
            peak[p] = value;
            return;
        }

        var highest = roots[0];
        for (var i = 1; i < found; i++)
        {
            highest = peak[roots[i]] > peak[highest] ? roots[i] : highest;
        }

        basin[p] = highest;
        for (var i = 0; i < found; i++)
        {
            var r = roots[i];
            if (r != highest && peak[r] - value < MarkerPersistence * peak[r])
            {
                basin[r] = highest;
            }
        }
    }

    /// <summary>
    /// Orders <paramref name="order"/> by descending <paramref name="landscape"/> with the negated values as
    /// <paramref name="keys"/>, in linear time (a radix sort); returns whether any two keys are equal (or one is NaN), where
    /// this order may differ from the comparison sort's.
    /// </summary>
    private static bool SortHighestFirst(float[] landscape, Span<int> order, Span<float> keys)
    {
        var n = order.Length;
        for (var k = 0; k < n; k++)
        {
            keys[k] = -landscape[order[k]];
        }

        SortKeys.Sort(keys, order);
        var distinct = n == 0 || !float.IsNaN(keys[0]);
        for (var k = 1; k < n && distinct; k++)
        {
            distinct = keys[k] != keys[k - 1] && !float.IsNaN(keys[k]);
        }

        return !distinct;
    }

    /// <summary>
    /// Merges adjacent basins while their union measures as one chromosome, strongest contact first; folds pieces
    /// too small to be a chromosome into the neighbour they share most boundary with. Returns each basin's piece
    /// (0-based, dense), or null unless at least two pieces remain and each measures as one chromosome.
    /// </summary>
    private static int[]? Merge(int basins, int[] basin, int[] local, float[] distance, int bw, int bh, (int X0, int Y0, int X1, int Y1) box,
        int[] scratch, int width, int rows, float[] leveled, double pixelX, double pixelY, AnalysisOptions options, bool wholeIsCluster)
    {
        var area = new int[basins];
        var radius = new float[basins];
        var contact = new int[basins * basins];
        for (var y = 0; y < bh; y++)
        {
            for (var x = 0; x < bw; x++)
            {
                var i = (y * bw) + x;
                if (local[i] == 0)
                {
                    continue;
                }

                var b = basin[i];
                area[b]++;
                radius[b] = Math.Max(radius[b], distance[i]);
                if (x + 1 < bw && local[i + 1] != 0 && basin[i + 1] != b)
                {
                    contact[(b * basins) + basin[i + 1]]++;
                    contact[(basin[i + 1] * basins) + b]++;
                }

                if (y + 1 < bh && local[i + bw] != 0 && basin[i + bw] != b)
                {
                    contact[(b * basins) + basin[i + bw]]++;
                    contact[(basin[i + bw] * basins) + b]++;
                }
            }
        }

        // Groups of basins: group[b] is b's representative; contact, area, radius and the basins it holds are kept per representative.
        var group = new int[basins];
        var members = new int[basins];
        // Groups whose pixels, as they are now, measured as one chromosome when they were joined: not measured again at the end.
        var measuredOne = new bool[basins];
        for (var b = 0; b < basins; b++)
        {
            group[b] = b;
            members[b] = 1;
        }

        // Groups holding every basin are the whole object, measured already: known to be a cluster when its outline is one.
        bool whole(int a, int b) => wholeIsCluster && members[a] + (a == b ? 0 : members[b]) == basins;

        var rejected = new HashSet<(int, int)>();
        while (true)
        {
            int bestA = -1, bestB = -1;
            var bestScore = 0.0;
            for (var a = 0; a < basins; a++)
            {
                for (var b = a + 1; b < basins && group[a] == a; b++)
                {
                    var shared = contact[(a * basins) + b];
                    if (group[b] != b || shared == 0 || rejected.Contains((a, b)))
                    {
                        continue;
                    }

                    var score = shared / Math.Max(1f, Math.Min(radius[a], radius[b]));
                    if (score > bestScore)
                    {
                        (bestA, bestB, bestScore) = (a, b, score);
                    }
                }
            }

            if (bestA < 0)
            {
                break;
            }

            if (!whole(bestA, bestB) && IsOneChromosome(group, basin, bw, bh, box, scratch, width, rows, leveled, pixelX, pixelY, options, bestA, bestB))
            {
                Join(group, contact, area, radius, members, basins, bestA, bestB);
                measuredOne[bestA] = true;
            }
            else
            {
                rejected.Add((bestA, bestB));
            }
        }

        // Fragments no chromosome could be (a flank, a sliver between two basins) join their strongest neighbour.
        var minPixels = options.MinArea / (pixelX * pixelY);
        for (var b = 0; b < basins; b++)
        {
            if (group[b] != b || area[b] >= minPixels)
            {
                continue;
            }

            var target = -1;
            for (var c = 0; c < basins; c++)
            {
                if (c != b && group[c] == c && contact[(b * basins) + c] > 0 && (target < 0 || contact[(b * basins) + c] > contact[(b * basins) + target]))
                {
                    target = c;
                }
            }

            if (target >= 0)
            {
                Join(group, contact, area, radius, members, basins, target, b);
                measuredOne[target] = false;
            }
        }

        var pieceOf = new int[basins];
        var pieces = 0;
        for (var b = 0; b < basins; b++)
        {
            if (group[b] == b)
            {
                // One group left is no split, whatever it measures as.
                if (members[b] == basins
                    || (!measuredOne[b] && !IsOneChromosome(group, basin, bw, bh, box, scratch, width, rows, leveled, pixelX, pixelY, options, b, b)))
                {
                    return null;
                }

                pieceOf[b] = pieces++;
            }
        }

        if (pieces < 2)
        {
            return null;
        }

        for (var b = 0; b < basins; b++)
        {
            pieceOf[b] = pieceOf[Representative(group, b)];
        }

        return pieceOf;
    }

    private static int Representative(int[] group, int b)
    {
        while (group[b] != b)
        {
            b = group[b];
        }

        return b;
    }

    /// <summary>Joins group <paramref name="b"/> into group <paramref name="a"/> (both representatives).</summary>
    private static void Join(int[] group, int[] contact, int[] area, float[] radius, int[] members, int basins, int a, int b)
    {
        group[b] = a;
        area[a] += area[b];
        members[a] += members[b];
        radius[a] = Math.Max(radius[a], radius[b]);
        for (var c = 0; c < basins; c++)
        {
            if (c == a)
            {
                continue;
            }

            contact[(a * basins) + c] += contact[(b * basins) + c];
            contact[(c * basins) + a] = contact[(a * basins) + c];
            contact[(b * basins) + c] = 0;
            contact[(c * basins) + b] = 0;
        }

        contact[(a * basins) + a] = 0;
    }

    /// <summary>Whether the pixels of groups <paramref name="a"/> and <paramref name="b"/> together measure as one chromosome (not a cluster).</summary>
    private static bool IsOneChromosome(int[] group, int[] basin, int bw, int bh, (int X0, int Y0, int X1, int Y1) box,
        int[] scratch, int width, int rows, float[] leveled, double pixelX, double pixelY, AnalysisOptions options, int a, int b)
    {
        // Each basin's value in the grid (1: in), its group looked up once, not once per pixel; the box's background
        // pixels have basin −1 (the flood leaves them so), which reads the slot before basin 0's, 0.
        Span<int> value = stackalloc int[MaxBasins + 1];
        value[0] = 0;
        for (var c = 0; c < group.Length; c++)
        {
            var r = Representative(group, c);
            value[c + 1] = r == a || r == b ? 1 : 0;
        }

        int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
        for (var y = 0; y < bh; y++)
        {
            var row = scratch.AsSpan(((y + box.Y0) * width) + box.X0, bw);
            var basins = basin.AsSpan(y * bw, bw);
            for (var x = 0; x < row.Length; x++)
            {
                row[x] = value[basins[x] + 1];
            }

            // The union's bounding box from each row's first and last pixel in.
            var first = row.IndexOf(1);
            if (first >= 0)
            {
                x0 = Math.Min(x0, first + box.X0);
                x1 = Math.Max(x1, row.LastIndexOf(1) + box.X0);
                y0 = Math.Min(y0, y + box.Y0);
                y1 = y + box.Y0;
            }
        }

        if (x1 < 0)
        {
            return false;
        }

        // Only whether it is a cluster is read: the measurement stops as soon as that is decided.
        return !new ChromosomeAxis(scratch, width, rows, 1).MeasuresAsCluster(leveled, (x0, y0, x1, y1), pixelX, pixelY, options, split: true);
    }
}

/// <summary>
/// Frame-sized int grids kept all zero between uses: a user clears what it wrote before giving one back, so a split
/// attempt clears its object's box instead of the whole frame (a megabyte at 512²) each time.
/// </summary>
internal static class ZeroedGrids
{
    // Enough for the attempts running side by side; grids of another length (a new frame size) are dropped.
    private const int Kept = 8;
    private static readonly Stack<int[]> Free = new(Kept);
    private static readonly Lock Gate = new();

    /// <summary>An all-zero grid of exactly <paramref name="length"/> elements.</summary>
    public static int[] Rent(int length)
    {
        lock (Gate)
        {
            while (Free.TryPop(out var grid))
            {
                if (grid.Length == length)
                {
                    return grid;
                }
            }
        }

        return new int[length];
    }

    /// <summary>Takes back <paramref name="grid"/>, which the caller has cleared to all zero again.</summary>
    public static void Return(int[] grid)
    {
        lock (Gate)
        {
            if (Free.Count < Kept)
            {
                Free.Push(grid);
            }
        }
    }
}
