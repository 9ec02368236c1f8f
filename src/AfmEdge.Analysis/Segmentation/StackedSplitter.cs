using AfmEdge.Analysis.Statistics;

namespace AfmEdge.Analysis.Segmentation;

/// <summary>
/// Splits an object made of two or more chromosomes lying across each other by where they are stacked, for the crossings
/// whose skeleton shows no junction (a shallow crossing, or a short chromosome across a longer one, whose arms stick out
/// too little to leave skeleton branches):
/// <list type="number">
/// <item>where one chromosome lies on another their heights add: the stacked core is where the height stands well above
/// (<see cref="CoreRatio"/>) the single-layer crest measured near the object's two ends;</item>
/// <item>the core grown by the flanks it leaves out is the overlap; the object less the overlap falls into arms, the parts
/// of the chromosomes outside it;</item>
/// <item>arms are paired through the overlap by continuity (a chromosome runs straight or gently bent through it: the two
/// arms point away from each other along one line); an arm left without a partner is a chromosome ending under the other;</item>
/// <item>each chromosome gets its arms; the overlap goes to the one on top (one that runs through rather than ending there,
/// else the higher ridge: heights add, so which lies on top is a best guess), its pixels off that one's ribbon to the other.</item>
/// </list>
/// Nothing splits unless there is one clear core and at least two chromosomes, each at least a chromosome's minimum area, one
/// of them running through the overlap.
/// </summary>
internal static class StackedSplitter
{
    // Stacked: this far above the single-layer crest (two chromosomes of 100-300 nm stack to at least 1.33 times the higher).
    private const double CoreRatio = 1.25;

    // Largest change of direction through the overlap for two arms to be one chromosome (radians).
    private const double MaxTurn = 0.8;

    // Largest sideways offset between two paired arms' lines, in half-widths (an arm's root lies askew where the
    // overlap's edge cuts it obliquely).
    private const double MaxOffset = 1.5;

    // How deep the overlap reaches beyond the stacked core, in half-widths (plus a pixel): tried in turn.
    private static readonly double[] GrowthDepths = [0.35, 0.55, 0.75];

    // The ridges' floor, as a share of the single-layer crest, where arms joined by their flanks are parted: above where two
    // flanks side by side add up to, below the groove between a chromosome's own chromatids.
    private const double RidgeShare = 0.6;

    // More arms than this is a tangle: the object stays a cluster.
    private const int MaxArms = 8;

    /// <summary>
    /// Splits object <paramref name="id"/> in place as <see cref="CrossingSplitter.Split"/> does (the first chromosome keeps
    /// <paramref name="id"/>, the others get <paramref name="nextId"/>, …; <paramref name="axes"/> gets each one's axis through
    /// the overlap in pixel coordinates, <paramref name="stacked"/> is set over the overlap). Returns the number of new ids used.
    /// <paramref name="boxDistances"/>: the object's chamfer distances over <paramref name="box"/> (no margin, row-major) when
    /// already taken (<see cref="Geometry.ChromosomeAxis.BoxDistances"/>); null: taken here.
    /// </summary>
    public static int Split(int[] instances, int width, float[] leveled, int id, (int X0, int Y0, int X1, int Y1) box,
        double pixelX, double pixelY, AnalysisOptions options, int nextId, Dictionary<int, (double X, double Y)[]> axes, bool[] stacked,
        float[]? boxDistances = null)
    {
        // Local grid with a one-pixel margin of background. Its arrays are rented: most clusters stop at one of the first
        // checks, and six fresh box-sized arrays per cluster were most of the analysis's garbage. Rented arrays are longer
        // than the grid, so everything below reads the grid's length, never an array's.
        int w = box.X1 - box.X0 + 3, h = box.Y1 - box.Y0 + 3, n = w * h;
        var (intPool, floatPool) = (AnalysisPool<int>.Shared, AnalysisPool<float>.Shared);
        var (local, queue, fromFirst, fromSecond) = (intPool.Rent(n), intPool.Rent(n), intPool.Rent(n), intPool.Rent(n));
        var (height, distance) = (floatPool.Rent(n), floatPool.Rent(n));
        Scratch? scratch = null;
        try
        {
            local.AsSpan(0, n).Clear();
            height.AsSpan(0, n).Clear();
            var count = 0;
            var peak = 0f;
            for (var y = box.Y0; y <= box.Y1; y++)
            {
                for (var x = box.X0; x <= box.X1; x++)
                {
                    var g = (y * width) + x;
                    if (instances[g] == id)
                    {
                        var i = ((y - box.Y0 + 1) * w) + (x - box.X0 + 1);
                        local[i] = 1;
                        height[i] = float.IsFinite(leveled[g]) ? leveled[g] : 0f;
                        peak = Math.Max(peak, height[i]);
                        count++;
                    }
                }
            }

            var minPixels = Math.Max(options.MinArea / (pixelX * pixelY), 16);
            if (count < 3 * minPixels)
            {
                return 0;
            }

            if (boxDistances is not null)
            {
                distance.AsSpan(0, n).Clear();
                // The margin is background, as outside the box is to the object: the same distances, one pixel in.
                for (var y = 0; y < h - 2; y++)
                {
                    boxDistances.AsSpan(y * (w - 2), w - 2).CopyTo(distance.AsSpan(((y + 1) * w) + 1, w - 2));
                }
            }
            else
            {
                HeightSegmenter.ChamferDistance(local, w, h, distance);
            }

            var radius = Radius(local.AsSpan(0, n), distance.AsSpan(0, n));

            // The single-layer crest: near each end of the object's longest geodesic run (ends lie apart from any overlap).
            var start = local.AsSpan(0, n).IndexOfAnyExcept(0);

            // One queue serves the sweeps; the first one's steps are not kept (the third's take their place), and the third
            // runs only for a long object.
            var first = Sweep(local, w, start, queue, fromSecond.AsSpan(0, n));
            var second = Sweep(local, w, first, queue, fromFirst.AsSpan(0, n));
            if (fromFirst[second] < 8 * radius)
            {
                return 0;
            }

            Sweep(local, w, second, queue, fromSecond.AsSpan(0, n));

            // Two ends of one height are single layers. Ends of clearly different heights are two chromosomes of different height,
            // or one end lies where they are stacked (a shallow crossing near an end): both readings are tried.
            var (endA, endB) = (EndCrest(fromFirst.AsSpan(0, n), height, distance, radius), EndCrest(fromSecond.AsSpan(0, n), height, distance, radius));
            if (!(endA > 0 && endB > 0))
            {
                return 0;
            }

            var (low, high) = (Math.Min(endA, endB), Math.Max(endA, endB));
            if (peak <= CoreRatio * low)
            {
                // Nothing stands above a single layer anywhere: no stacked core at either threshold.
                return 0;
            }

            // The attempts' grids are rented too (the chosen one's are read to the end), and returned with the rest.
            scratch = new Scratch(n);
            Attempt? chosen = null;
            foreach (var crest in high > CoreRatio * low ? [high, low] : new[] { high })
            {
                foreach (var attempt in Attempts(local, height, distance, queue, w, h, radius, CoreRatio * crest, minPixels, scratch))
                {
                    if (attempt.Plausible && (chosen is null || attempt.Score > chosen.Score))
                    {
                        chosen = attempt;
                    }
                }
            }

            if (chosen is null || chosen.Chromosomes.Count < 2)
            {
                return 0;
            }

            var (overlap, armLabels, chromosomes) = (chosen.Overlap, chosen.ArmLabels, chosen.Chromosomes);

            // The one on top first: it takes the overlap where its ribbon lies.
            chromosomes.Sort((a, b) => b.Above(a) ? 1 : a.Above(b) ? -1 : 0);
            var owner = scratch.Ints();
            owner.AsSpan(0, n).Fill(-1);
            for (var c = 0; c < chromosomes.Count; c++)
            {
                foreach (var arm in chromosomes[c].Arms)
                {
                    for (var i = 0; i < n; i++)
                    {
                        if (armLabels[i] == arm.Label)
                        {
                            owner[i] = c;
                        }
                    }
                }
            }

            var both = scratch.Bools();
            both.AsSpan(0, n).Clear();
            for (var i = 0; i < n; i++)
            {
                // The overlap, and the small parts no chromosome took as an arm (a tip showing past the overlap, a corner).
                if (local[i] == 0 || owner[i] >= 0)
                {
                    continue;
                }

                double px = i % w, py = i / w;
                int on = -1, near = 0, over = 0;
                var nearest = double.PositiveInfinity;
                for (var c = 0; c < chromosomes.Count; c++)
                {
                    var d = chromosomes[c].Distance(px, py);
                    var half = chromosomes[c].HalfWidth;
                    if (d <= half + 0.5 && on < 0)
                    {
                        on = c;
                    }

                    over += d <= (1.2 * half) + 1.5 ? 1 : 0;
                    if (d / half < nearest)
                    {
                        nearest = d / half;
                        near = c;
                    }
                }

                owner[i] = on >= 0 ? on : near;
                both[i] = overlap[i] >= 0 && over > 1;
            }

            // Small parts left out of the arms go to the chromosome they touch most nearly.
            FillFromNeighbours(owner, local, w, h);
            var sizes = new int[chromosomes.Count];
            for (var i = 0; i < n; i++)
            {
                if (local[i] != 0 && owner[i] >= 0)
                {
                    sizes[owner[i]]++;
                }
            }

            if (sizes.Any(s => s < minPixels))
            {
                return 0;
            }

            for (var y = 1; y < h - 1; y++)
            {
                for (var x = 1; x < w - 1; x++)
                {
                    var i = (y * w) + x;
                    if (local[i] != 0)
                    {
                        var g = ((y + box.Y0 - 1) * width) + x + box.X0 - 1;
                        instances[g] = owner[i] <= 0 ? id : nextId + owner[i] - 1;
                        stacked[g] = both[i];
                    }
                }
            }

            for (var c = 0; c < chromosomes.Count; c++)
            {
                axes[c == 0 ? id : nextId + c - 1] = [.. chromosomes[c].Axis().Select(p => (p.X + box.X0 - 1 + 0.5, p.Y + box.Y0 - 1 + 0.5))];
            }

            return chromosomes.Count - 1;
        }
        finally
        {
            intPool.Return(local);
            intPool.Return(queue);
            intPool.Return(fromFirst);
            intPool.Return(fromSecond);
            floatPool.Return(height);
            floatPool.Return(distance);
            scratch?.Return();
        }
    }

    /// <summary>Grid-sized arrays rented for one object's attempts and split, each at least the grid's length; returned together.</summary>
    private sealed class Scratch(int n)
    {
        private readonly List<int[]> _ints = [];
        private readonly List<bool[]> _bools = [];

        /// <summary>An array whose first n values are whatever an earlier user left.</summary>
        public int[] Ints()
        {
            var array = AnalysisPool<int>.Shared.Rent(n);
            _ints.Add(array);
            return array;
        }

        /// <summary>An array whose first n values are whatever an earlier user left.</summary>
        public bool[] Bools()
        {
            var array = AnalysisPool<bool>.Shared.Rent(n);
            _bools.Add(array);
            return array;
        }

        public void Return()
        {
            _ints.ForEach(a => AnalysisPool<int>.Shared.Return(a));
            _bools.ForEach(a => AnalysisPool<bool>.Shared.Return(a));
        }
    }

    /// <summary>
    /// The splits at one stacked threshold: the core is the largest 8-connected part above it, which must be clearly larger
    /// than a band or a noise spike and the only large one (several overlaps are not sorted out here). The overlap is the core
    /// grown through the object by the flanks its threshold leaves out, at a few depths: too little leaves arms joined at an
    /// acute corner of the crossing, too much swallows a short stub. The caller takes the depth that finds the most
    /// chromosomes, those running through the overlap counted twice (a crossing where none runs through is implausible).
    /// </summary>
    private static IEnumerable<Attempt> Attempts(int[] local, float[] height, float[] distance, int[] queue, int w, int h, double radius, double threshold,
        double minPixels, Scratch scratch)
    {
        var n = w * h;
        var core = scratch.Bools();
        for (var i = 0; i < n; i++)
        {
            core[i] = local[i] != 0 && height[i] > threshold;
        }

        var coreLabels = scratch.Ints();
        coreLabels.AsSpan(0, n).Clear();
        var coreSizes = Components(core, w, h, coreLabels);
        if (coreSizes.Count == 0)
        {
            yield break;
        }

        var largest = 0;
        for (var c = 1; c < coreSizes.Count; c++)
        {
            largest = coreSizes[c] > coreSizes[largest] ? c : largest;
        }

        if (coreSizes[largest] < radius * radius)
        {
            yield break;
        }

        for (var c = 0; c < coreSizes.Count; c++)
        {
            if (c != largest && coreSizes[c] >= 0.5 * coreSizes[largest])
            {
                yield break;
            }
        }

        // The core grown once to the deepest overlap: a shallower one is the same steps up to its depth (breadth first, every
        // pixel's steps are its least), so each attempt's overlap is read off it.
        var deepest = Grow(coreLabels, largest + 1, local, queue, w, h, Steps(GrowthDepths.Max(), radius), scratch.Ints());
        foreach (var depth in GrowthDepths)
        {
            yield return Attempt.Of(deepest, local, distance, height, w, h, radius, Steps(depth, radius), minPixels, 0, scratch);
        }

        // Arms still joined at an acute corner of the crossing lie side by side there, joined by their flanks: the arms are
        // read again from the ridges alone (the pixels above a share of the single-layer crest), which the valley between
        // the two ribbons parts.
        var ridgeFloor = RidgeShare * threshold / CoreRatio;
        foreach (var depth in GrowthDepths)
        {
            yield return Attempt.Of(deepest, local, distance, height, w, h, radius, Steps(depth, radius), minPixels, ridgeFloor, scratch);
        }
    }

    /// <summary>Steps of growth for an overlap <paramref name="depth"/> half-widths deep.</summary>
    private static int Steps(double depth, double radius) => (int)Math.Ceiling((depth * radius) + 1);

    /// <summary>One depth of the overlap: the overlap (steps from the core, −1 outside), the arms' labels and the chromosomes paired from them.</summary>
    private sealed record Attempt(int[] Overlap, int[] ArmLabels, List<Piece> Chromosomes, int Through)
    {
        public int Score => Chromosomes.Count + Through;

        /// <summary>Two chromosomes or more, one of them running through the overlap (arms that continue each other).</summary>
        public bool Plausible => Chromosomes.Count >= 2 && Through > 0;

        /// <summary>
        /// Its arrays (<see cref="Overlap"/>, <see cref="ArmLabels"/>) are <paramref name="scratch"/>'s: longer than the grid.
        /// The overlap is <paramref name="deeper"/> (the core grown at least <paramref name="grow"/> steps) up to
        /// <paramref name="grow"/> steps. With a <paramref name="floor"/> above 0 the arms are read from the pixels at or above
        /// it (the ridges) only.
        /// </summary>
        public static Attempt Of(int[] deeper, int[] local, float[] distance, float[] height, int w, int h, double radius,
            int grow, double minPixels, double floor, Scratch scratch)
        {
            var n = w * h;
            var overlap = WithinSteps(deeper, n, grow, scratch.Ints());

            // Arms: the object less the overlap, in 8-connected parts.
            var rest = scratch.Bools();
            for (var i = 0; i < n; i++)
            {
                rest[i] = local[i] != 0 && overlap[i] < 0 && height[i] >= floor;
            }

            var armLabels = scratch.Ints();
            armLabels.AsSpan(0, n).Clear();
            var members = new List<List<int>>();
            var armSizes = Components(rest, w, h, armLabels, members);
            var large = 0;
            foreach (var size in armSizes)
            {
                large += size >= Math.Max(0.3 * radius * radius, 16) ? 1 : 0;
            }

            if (large < 3 || large > MaxArms)
            {
                return new Attempt(overlap, armLabels, [], 0);
            }

            // Steps and paths through one arm at a time (each arm's pixels are reset before the next).
            var steps = scratch.Ints();
            var previous = scratch.Ints();
            steps.AsSpan(0, n).Fill(-1);
            var arms = new List<Arm>();
            for (var a = 0; a < armSizes.Count; a++)
            {
                if (armSizes[a] >= Math.Max(0.3 * radius * radius, 16))
                {
                    // Read from the ridges, an arm's distance to the outline is the joined pair's where its flanks met the
                    // other's: its half-width is capped at the object's.
                    arms.Add(Arm.Of(a + 1, members[a], armLabels, overlap, distance, height, w, radius, floor > 0 ? radius : 1.5 * radius, steps, previous));
                }
            }

            // Pair arms through the overlap, the best-continuing pair first.
            var pairs = new List<(double Score, int I, int J)>();
            for (var i = 0; i < arms.Count; i++)
            {
                for (var j = i + 1; j < arms.Count; j++)
                {
                    var (a, b) = (arms[i], arms[j]);
                    var turn = Math.Acos(Math.Clamp(-((a.Dx * b.Dx) + (a.Dy * b.Dy)), -1, 1));
                    var offset = 0.5 * (Offset(a, b.RootX, b.RootY) + Offset(b, a.RootX, a.RootY));
                    var half = Math.Max(radius, Math.Max(a.HalfWidth, b.HalfWidth));
                    if (turn <= MaxTurn && offset <= MaxOffset * half)
                    {
                        pairs.Add((turn + (offset / half), i, j));
                    }
                }
            }

            var partner = new int[arms.Count];
            Array.Fill(partner, -1);
            foreach (var (_, i, j) in pairs.OrderBy(p => p.Score))
            {
                if (partner[i] < 0 && partner[j] < 0)
                {
                    partner[i] = j;
                    partner[j] = i;
                }
            }

            // A lone arm too small to be a chromosome is a corner of the crossing: its pixels go to a neighbour.
            var chromosomes = new List<Piece>();
            var through = 0;
            for (var i = 0; i < arms.Count; i++)
            {
                if (partner[i] < 0 && arms[i].Size >= minPixels)
                {
                    chromosomes.Add(new Piece([arms[i]], overlap.AsSpan(0, n), w));
                }
                else if (partner[i] > i)
                {
                    chromosomes.Add(new Piece([arms[i], arms[partner[i]]], overlap.AsSpan(0, n), w));
                    through++;
                }
            }

            return new Attempt(overlap, armLabels, chromosomes, through);
        }
    }

    /// <summary>A chromosome's half-width: twice the median distance to the edge (a ribbon's distances spread evenly up to it).</summary>
    private static double Radius(ReadOnlySpan<int> local, ReadOnlySpan<float> distance)
    {
        // The median by a histogram in quarter pixels (a chamfer distance within a quarter pixel is as good as exact here).
        Span<int> counts = stackalloc int[1024];
        counts.Clear();
        var total = 0;
        for (var i = 0; i < local.Length; i++)
        {
            if (local[i] != 0)
            {
                counts[Math.Min((int)(distance[i] * 4), counts.Length - 1)]++;
                total++;
            }
        }

        var seen = 0;
        for (var k = 0; k < counts.Length; k++)
        {
            seen += counts[k];
            if (seen > total / 2)
            {
                return Math.Max(2.0, 2 * (k + 0.5) / 4);
            }
        }

        return 2.0;
    }

    /// <summary>
    /// The crest near an end: the median height of the pixels from half a half-width to two and a half half-widths (steps
    /// through the object) from it that lie at least half a half-width inside the outline (the chromatids' tops, not the flanks).
    /// </summary>
    private static double EndCrest(ReadOnlySpan<int> steps, float[] height, float[] distance, double radius)
    {
        var values = new List<float>();
        for (var i = 0; i < steps.Length; i++)
        {
            if (steps[i] >= 0.5 * radius && steps[i] <= 2.5 * radius && distance[i] >= 0.5 * radius)
            {
                values.Add(height[i]);
            }
        }

        if (values.Count == 0)
        {
            return double.NaN;
        }

        values.Sort();
        return values[values.Count / 2];
    }

    /// <summary>Breadth first from <paramref name="source"/> through the object (8-connected): the last pixel reached; every pixel's steps into <paramref name="steps"/> (the grid's length; −1: not reached).</summary>
    private static int Sweep(int[] local, int w, int source, int[] queue, Span<int> steps)
    {
        steps.Fill(-1);
        steps[source] = 0;
        queue[0] = source;
        return Walk(local, w, queue, 1, steps, int.MaxValue);
    }

    /// <summary>
    /// The breadth-first walk through the object (8-connected) from the <paramref name="seeds"/> pixels at the head of
    /// <paramref name="queue"/> (their steps 0, every other pixel's −1), filling <paramref name="steps"/> up to
    /// <paramref name="limit"/>; returns the last pixel taken from the queue. The grid's margin is background, so no
    /// neighbour falls outside it; the queue is an array as long as the grid, as each pixel enters it once.
    /// </summary>
    private static int Walk(int[] local, int w, int[] queue, int seeds, Span<int> steps, int limit)
    {
        int head = 0, tail = seeds;
        var last = queue[0];
        Span<int> ring = [-w - 1, -w, -w + 1, -1, 1, w - 1, w, w + 1];
        while (head < tail)
        {
            var p = queue[head++];
            last = p;
            if (steps[p] >= limit)
            {
                continue;
            }

            var next = steps[p] + 1;
            foreach (var offset in ring)
            {
                var q = p + offset;
                if (local[q] != 0 && steps[q] < 0)
                {
                    steps[q] = next;
                    queue[tail++] = q;
                }
            }
        }

        return last;
    }

    /// <summary>The 8-connected parts of <paramref name="mask"/> over the w × h grid: labels 1.. into <paramref name="labels"/> (0 over the grid before), each part's size, and its pixels into <paramref name="members"/> when given.</summary>
    private static List<int> Components(bool[] mask, int w, int h, int[] labels, List<List<int>>? members = null)
    {
        var sizes = new List<int>();
        var stack = new Stack<int>();
        for (var s = 0; s < w * h; s++)
        {
            if (!mask[s] || labels[s] != 0)
            {
                continue;
            }

            var label = sizes.Count + 1;
            var size = 0;
            var part = members is null ? null : new List<int>();
            members?.Add(part!);
            labels[s] = label;
            stack.Push(s);
            while (stack.Count > 0)
            {
                var p = stack.Pop();
                size++;
                part?.Add(p);
                foreach (var q in Ring(p, w))
                {
                    if (mask[q] && labels[q] == 0)
                    {
                        labels[q] = label;
                        stack.Push(q);
                    }
                }
            }

            sizes.Add(size);
        }

        return sizes;
    }

    /// <summary>Steps (8-connected, through the object) from the part labelled <paramref name="label"/>, up to <paramref name="steps"/>, into <paramref name="reach"/> (−1 beyond, over the w × h grid).</summary>
    internal static int[] Grow(int[] labels, int label, int[] local, int[] queue, int w, int h, int steps, int[] reach)
    {
        var n = w * h;
        reach.AsSpan(0, n).Fill(-1);
        var seeds = 0;
        for (var i = 0; i < n; i++)
        {
            if (labels[i] == label)
            {
                reach[i] = 0;
                queue[seeds++] = i;
            }
        }

        if (seeds > 0)
        {
            Walk(local, w, queue, seeds, reach, steps);
        }

        return reach;
    }

    /// <summary>
    /// <paramref name="reach"/> (steps from a core, −1 beyond) cut to <paramref name="steps"/> into <paramref name="within"/>
    /// over the n-pixel grid: what <see cref="Grow"/> to that many steps gives, when <paramref name="reach"/> went as far or further.
    /// </summary>
    internal static int[] WithinSteps(int[] reach, int n, int steps, int[] within)
    {
        for (var i = 0; i < n; i++)
        {
            within[i] = reach[i] <= steps ? reach[i] : -1;
        }

        return within;
    }

    /// <summary>Every object pixel without an owner takes the owner of the nearest owned pixel (breadth first through the object).</summary>
    private static void FillFromNeighbours(int[] owner, int[] local, int w, int h)
    {
        var queue = new Queue<int>();
        for (var i = 0; i < w * h; i++)
        {
            if (local[i] != 0 && owner[i] >= 0)
            {
                queue.Enqueue(i);
            }
        }

        while (queue.Count > 0)
        {
            var p = queue.Dequeue();
            foreach (var q in Ring(p, w))
            {
                if (local[q] != 0 && owner[q] < 0)
                {
                    owner[q] = owner[p];
                    queue.Enqueue(q);
                }
            }
        }
    }

    private static double Offset(Arm arm, double x, double y)
    {
        double vx = x - arm.RootX, vy = y - arm.RootY;
        return Math.Abs((vx * arm.Dy) - (vy * arm.Dx));
    }

    /// <summary>
    /// The 8 neighbours of an object pixel. The local grid has a one-pixel margin of background and only object pixels are
    /// ever asked, so every neighbour lies inside it.
    /// </summary>
    private static RingEnumerator Ring(int p, int w) => new(p, w);

    /// <summary>Whether an 8-neighbour of object pixel <paramref name="p"/> lies in the overlap.</summary>
    private static bool Touches(int p, int w, int[] overlap)
    {
        foreach (var q in Ring(p, w))
        {
            if (overlap[q] >= 0)
            {
                return true;
            }
        }

        return false;
    }

    private struct RingEnumerator(int p, int w)
    {
        private int _k = -1;

        public readonly RingEnumerator GetEnumerator() => this;

        // Row and column steps of the ring, in its order: a table, not a switch (an indirect jump per neighbour).
        private static ReadOnlySpan<sbyte> Rows => [-1, -1, -1, 0, 0, 1, 1, 1];

        private static ReadOnlySpan<sbyte> Columns => [-1, 0, 1, -1, 1, -1, 0, 1];

        public readonly int Current => p + (Rows[_k] * w) + Columns[_k];

        public bool MoveNext() => ++_k < 8;
    }

    /// <summary>
    /// One part of a chromosome outside the overlap: where it leaves the overlap (the root), the direction it leaves in (root
    /// towards the centroid of its first two half-widths), its half-width and ridge height, and its axis from the root out.
    /// </summary>
    private sealed record Arm(int Label, int Size, double RootX, double RootY, double Dx, double Dy, double HalfWidth, double Ridge, List<(double X, double Y)> Path)
    {
        public static Arm Of(int label, List<int> members, int[] labels, int[] overlap, float[] distance, float[] height, int w, double radius,
            double halfWidthCap, int[] steps, int[] previous)
        {
            // Steps from the root (arm pixels next to the overlap) through the arm.
            var queue = new Queue<int>();
            double rx = 0, ry = 0;
            var roots = 0;
            foreach (var i in members)
            {
                if (Touches(i, w, overlap))
                {
                    steps[i] = 0;
                    previous[i] = -1;
                    queue.Enqueue(i);
                    rx += i % w;
                    ry += i / w;
                    roots++;
                }
            }

            var last = -1;
            while (queue.Count > 0)
            {
                var p = queue.Dequeue();
                last = p;
                foreach (var q in Ring(p, w))
                {
                    if (labels[q] == label && steps[q] < 0)
                    {
                        steps[q] = steps[p] + 1;
                        previous[q] = p;
                        queue.Enqueue(q);
                    }
                }
            }

            rx /= Math.Max(roots, 1);
            ry /= Math.Max(roots, 1);
            double cx = 0, cy = 0, near = 0;
            var widest = 0f;
            var ridges = new List<float>(members.Count);
            foreach (var i in members)
            {
                if (steps[i] >= 0 && steps[i] <= 2 * radius)
                {
                    cx += i % w;
                    cy += i / w;
                    near++;
                }

                widest = Math.Max(widest, distance[i]);
                ridges.Add(height[i]);
            }

            cx /= Math.Max(near, 1);
            cy /= Math.Max(near, 1);
            double dx = cx - rx, dy = cy - ry;
            var norm = Math.Sqrt((dx * dx) + (dy * dy));
            (dx, dy) = norm > 0 ? (dx / norm, dy / norm) : (0, 0);

            // Its half-width: the widest the arm is (a stub's width is its own even where it meets the overlap), up to the cap.
            var half = Math.Min(widest, halfWidthCap);
            ridges.Sort();
            var ridge = ridges[(int)(0.9 * (ridges.Count - 1))];

            // The axis out to the arm's farthest pixel, root first.
            var path = new List<(double X, double Y)>();
            for (var p = last; p >= 0; p = previous[p])
            {
                path.Add((p % w, p / w));
            }

            path.Reverse();
            foreach (var i in members)
            {
                steps[i] = -1;
            }

            return new Arm(label, members.Count, rx, ry, dx, dy, Math.Max(1.0, half), ridge, path);
        }
    }

    /// <summary>One chromosome: one arm (ending under another) or two paired through the overlap.</summary>
    private sealed class Piece
    {
        private readonly (double X, double Y) _from;
        private readonly (double X, double Y) _to;

        // Where the ribbon's owner is decided: through the overlap for two arms; for one, on across the overlap to its far
        // side, where a tip too small to be an arm of its own may show again.
        private readonly (double X, double Y) _end;

        public Piece(Arm[] arms, ReadOnlySpan<int> overlap, int w)
        {
            Arms = arms;
            HalfWidth = arms.Max(a => a.HalfWidth);
            Ridge = arms.Max(a => a.Ridge);
            _from = (arms[0].RootX, arms[0].RootY);
            if (arms.Length == 2)
            {
                _to = (arms[1].RootX, arms[1].RootY);
                _end = _to;
            }
            else
            {
                // Ending under another: the axis runs on into the overlap as far as the overlap's middle lies along it.
                double mx = 0, my = 0, m = 0;
                for (var i = 0; i < overlap.Length; i++)
                {
                    if (overlap[i] >= 0)
                    {
                        mx += i % w;
                        my += i / w;
                        m++;
                    }
                }

                var reach = Math.Max(0, -((((mx / m) - _from.X) * arms[0].Dx) + (((my / m) - _from.Y) * arms[0].Dy)));
                _to = (_from.X - (reach * arms[0].Dx), _from.Y - (reach * arms[0].Dy));
                var across = 0.0;
                for (var i = 0; i < overlap.Length; i++)
                {
                    if (overlap[i] >= 0)
                    {
                        double vx = (i % w) - _from.X, vy = (i / w) - _from.Y;
                        var along = -((vx * arms[0].Dx) + (vy * arms[0].Dy));
                        var aside = Math.Abs((vx * arms[0].Dy) - (vy * arms[0].Dx));
                        across = aside <= HalfWidth ? Math.Max(across, along) : across;
                    }
                }

                _end = (_from.X - ((across + 2) * arms[0].Dx), _from.Y - ((across + 2) * arms[0].Dy));
            }
        }

        public Arm[] Arms { get; }

        public double HalfWidth { get; }

        public double Ridge { get; }

        /// <summary>Runs through the overlap (two arms) rather than ending there; else the higher ridge.</summary>
        public bool Above(Piece other) => Arms.Length != other.Arms.Length ? Arms.Length > other.Arms.Length : Ridge > other.Ridge;

        /// <summary>Distance from a point to this chromosome's run through the overlap (for one arm, on to the overlap's far side).</summary>
        public double Distance(double x, double y)
        {
            double sx = _end.X - _from.X, sy = _end.Y - _from.Y;
            var length2 = (sx * sx) + (sy * sy);
            var t = length2 > 0 ? Math.Clamp((((x - _from.X) * sx) + ((y - _from.Y) * sy)) / length2, 0, 1) : 0;
            double dx = _from.X + (t * sx) - x, dy = _from.Y + (t * sy) - y;
            return Math.Sqrt((dx * dx) + (dy * dy));
        }

        /// <summary>The axis: the first arm from its tip to the overlap, across it, and the second arm out to its tip.</summary>
        public List<(double X, double Y)> Axis()
        {
            var axis = new List<(double X, double Y)>(Enumerable.Reverse(Arms[0].Path));
            Bridge(axis, _to);
            if (Arms.Length == 2)
            {
                foreach (var p in Arms[1].Path)
                {
                    Bridge(axis, p);
                    axis.Add(p);
                }
            }
            else
            {
                axis.Add(_to);
            }

            return axis;
        }

        private static void Bridge(List<(double X, double Y)> axis, (double X, double Y) to)
        {
            if (axis.Count == 0)
            {
                return;
            }

            var (fx, fy) = axis[^1];
            var gap = Math.Sqrt(((to.X - fx) * (to.X - fx)) + ((to.Y - fy) * (to.Y - fy)));
            for (var k = 1; k < gap - 0.5; k++)
            {
                axis.Add((fx + ((to.X - fx) * k / gap), fy + ((to.Y - fy) * k / gap)));
            }
        }
    }
}
