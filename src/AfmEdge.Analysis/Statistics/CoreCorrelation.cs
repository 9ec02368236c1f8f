using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AfmEdge.Analysis.Statistics;

/// <summary>
/// Pearson r of height against each channel over each region's core: its correlated pairs more than
/// <see cref="AnalysisOptions.CoreDepth"/> 4-connected steps from a pixel of another region. On a scan the rim of a region mixes it with its neighbour (the pixel's dwell, the tip's flank, the
/// feedback's lag, registration's interpolation), and r reacts strongly to those mixed pixels where the region is narrow
/// or its field varies little: against the virtual microscope's truth, r's block-bootstrap interval held the true r in
/// only a third to two fifths of the cells (`afmedge eval analysis`). How far r over the core lies from r over every pixel
/// says how much the rim drives it; <see cref="Span"/> widens the interval by that much.
/// </summary>
internal static class CoreCorrelation
{
    /// <summary>Sums per (region, channel): count, Σh, Σf, Σh², Σf², Σhf of values less the region's shifts.</summary>
    internal const int Sums = 6;

    /// <summary>
    /// Per region (label 0 to <paramref name="regionCount"/> − 1) and channel, r over the region's core pairs:
    /// <paramref name="place"/>[p] &amp; <see cref="SortedChannel.Uncorrelated"/> is not <see cref="SortedChannel.Uncorrelated"/> (a correlated
    /// pair), the channel is finite there, and the pixel lies off its region's rim (<see cref="Rim"/>, <paramref name="depth"/> deep).
    /// NaN where fewer than three such pairs or no spread. Sums are taken of values less <paramref name="heightShift"/>[region] and
    /// <paramref name="channelShift"/>[region × channels + channel] (the regions' means: no cancellation in double).
    /// <paramref name="vectors"/> false: every pixel one by one, as where vectors are not accelerated (the tests compare the two).
    /// </summary>
    public static double[] Compute(ReadOnlySpan<byte> labels, ReadOnlySpan<int> place, ReadOnlySpan<float> height, IReadOnlyList<ChannelData> channels,
        int width, int rows, int regionCount, int depth, ReadOnlySpan<double> heightShift, ReadOnlySpan<double> channelShift, bool vectors = true)
    {
        var pixels = width * rows;
        var classes = AnalysisPool<int>.Shared.Rent(Math.Max(1, pixels));
        try
        {
            Classify(labels, place, width, rows, regionCount, depth, classes);
            return Compute(classes, height, channels, width, rows, regionCount, heightShift, channelShift, vectors);
        }
        finally
        {
            AnalysisPool<int>.Shared.Return(classes);
        }
    }

    /// <summary>
    /// Each pixel's class: its region where it is one of the region's core pairs (label below <paramref name="regionCount"/>, a
    /// correlated pair by <paramref name="place"/>, off the region's rim <paramref name="depth"/> deep), −1 elsewhere.
    /// </summary>
    public static void Classify(ReadOnlySpan<byte> labels, ReadOnlySpan<int> place, int width, int rows, int regionCount, int depth, Span<int> classes)
    {
        var pixels = width * rows;
        if (labels.Length < pixels || place.Length < pixels || classes.Length < pixels)
        {
            throw new ArgumentException($"Labels, places and classes must hold the {width}×{rows} frame's pixels.", nameof(labels));
        }

        var rim = AnalysisPool<byte>.Shared.Rent(pixels);
        try
        {
            Rim(labels[..pixels], width, rows, depth, rim.AsSpan(0, pixels));
            Classes(labels[..pixels], rim, place, regionCount, depth, depth, classes[..pixels]);
        }
        finally
        {
            AnalysisPool<byte>.Shared.Return(rim);
        }
    }

    /// <summary><see cref="Compute(ReadOnlySpan{byte}, ReadOnlySpan{int}, ReadOnlySpan{float}, IReadOnlyList{ChannelData}, int, int, int, int, ReadOnlySpan{double}, ReadOnlySpan{double}, bool)"/> from the pixels' classes (<see cref="Classify"/>).</summary>
    public static double[] Compute(int[] classes, ReadOnlySpan<float> height, IReadOnlyList<ChannelData> channels, int width, int rows, int regionCount,
        ReadOnlySpan<double> heightShift, ReadOnlySpan<double> channelShift, bool vectors = true) =>
        Pearson(Sum(classes, height, channels, width, rows, regionCount, heightShift, channelShift, vectors));

    /// <summary>
    /// Per class (0 to <paramref name="regionCount"/> − 1, as <paramref name="classes"/> gives each pixel; −1 none) and channel, the
    /// sums <see cref="CoreSums"/> reads: count, Σh, Σf, Σh², Σf², Σhf of the finite pairs, each value less the class's shift.
    /// </summary>
    public static double[] Sum(int[] classes, ReadOnlySpan<float> height, IReadOnlyList<ChannelData> channels, int width, int rows, int regionCount,
        ReadOnlySpan<double> heightShift, ReadOnlySpan<double> channelShift, bool vectors = true)
    {
        var pixels = width * rows;
        var channelCount = channels.Count;
        if (classes.Length < pixels || height.Length < pixels || channels.Any(c => c.Data.Length < pixels))
        {
            throw new ArgumentException($"Classes, height and every channel must hold the {width}×{rows} frame's pixels.", nameof(classes));
        }

        if (heightShift.Length < regionCount || channelShift.Length < regionCount * channelCount)
        {
            throw new ArgumentException($"{regionCount} regions need as many height shifts and {regionCount * channelCount} channel shifts.", nameof(heightShift));
        }

        var data = channels.Select(c => c.Data).ToArray();
        var sums = new double[regionCount * channelCount * Sums];
        if (vectors && Vector.IsHardwareAccelerated)
        {
            SumRows(classes, height, data, width, rows, regionCount, heightShift, channelShift, sums);
        }
        else
        {
            for (var p = 0; p < pixels; p++)
            {
                for (var c = 0; c < channelCount; c++)
                {
                    AddCorePair(p, c, classes[p], height, data, heightShift, channelShift, sums);
                }
            }
        }

        return sums;
    }

    /// <summary>Pearson r of every (class, channel) slot of <paramref name="sums"/> (<see cref="Sum"/>); NaN where fewer than three pairs or no spread.</summary>
    public static double[] Pearson(double[] sums)
    {
        var r = new double[sums.Length / Sums];
        for (var slot = 0; slot < r.Length; slot++)
        {
            r[slot] = CoreSums.Of(sums, slot).Pearson;
        }

        return r;
    }

    /// <summary>
    /// Each pixel's class on its region's rim (<paramref name="rim"/>'s step 1 to the region's depth: <paramref name="backgroundDepth"/>
    /// for the background, <paramref name="depth"/> for the others) where it is a correlated pair by <paramref name="place"/>: its label on
    /// the first ring (one 4-connected step from a pixel labelled otherwise), its label + <paramref name="regionCount"/> deeper in the
    /// rim, −1 elsewhere (the core, other pixels). The pixels a scan mixes most with the neighbouring region, and the rest of the
    /// rim (<see cref="RimFromCore"/>).
    /// </summary>
    internal static void Rings(ReadOnlySpan<byte> labels, ReadOnlySpan<byte> rim, ReadOnlySpan<int> place, int regionCount, int depth, int backgroundDepth,
        Span<int> classes, bool vectors = true)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Math.Max(depth, backgroundDepth), byte.MaxValue - 1);
        var pixels = classes.Length;
        var p = 0;
        if (vectors && Vector128.IsHardwareAccelerated && 2 * regionCount <= sbyte.MaxValue)
        {
            // Sixteen pixels at a time, as Classes: the class where on a rim, −1 (0xFF as a signed byte) elsewhere.
            var regions = Vector128.Create((byte)regionCount);
            var none = Vector128.Create((byte)0xFF);
            var uncorrelated = Vector128.Create(SortedChannel.Uncorrelated);
            var regionDepth = Vector128.Create((byte)depth);
            var backgroundRim = Vector128.Create((byte)backgroundDepth);
            var first = Vector128.Create((byte)1);
            for (; p <= pixels - 16; p += 16)
            {
                var label = Vector128.Create(labels.Slice(p, 16));
                var step = Vector128.Create(rim.Slice(p, 16));
                var ownDepth = Vector128.ConditionalSelect(Vector128.Equals(label, Vector128<byte>.Zero), backgroundRim, regionDepth);
                var onRim = Vector128.LessThan(label, regions) & ~Vector128.Equals(step, Vector128<byte>.Zero) & Vector128.LessThanOrEqual(step, ownDepth);
                var code = label + (~Vector128.Equals(step, first) & regions);
                StoreSixteen(Vector128.ConditionalSelect(onRim, code, none), place, classes, p, uncorrelated);
            }
        }

        for (; p < pixels; p++)
        {
            var label = labels[p];
            var step = rim[p];
            var inRim = step > 0 && step <= (label == 0 ? backgroundDepth : depth);
            classes[p] = label < regionCount && inRim && (place[p] & SortedChannel.Uncorrelated) != SortedChannel.Uncorrelated
                ? label + (step == 1 ? 0 : regionCount)
                : -1;
        }
    }

    /// <summary>
    /// Each pixel's region where it is a core pair (label below <paramref name="regionCount"/>, off the rim, a correlated pair),
    /// −1 elsewhere: all the sums need to know of labels, rim and places. The background's rim is <paramref name="backgroundDepth"/>
    /// deep, every other region's <paramref name="depth"/>: a pixel is off it where <paramref name="rim"/> (<see cref="Rim"/>,
    /// taken at least as deep) is 0 or beyond that depth. Sixteen pixels at a time where 128-bit vectors are accelerated (x64 and
    /// arm64 alike).
    /// </summary>
    internal static void Classes(ReadOnlySpan<byte> labels, ReadOnlySpan<byte> rim, ReadOnlySpan<int> place, int regionCount, int depth,
        int backgroundDepth, Span<int> classes)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Math.Max(depth, backgroundDepth), byte.MaxValue - 1);
        var pixels = classes.Length;
        var p = 0;
        if (Vector128.IsHardwareAccelerated && regionCount <= sbyte.MaxValue)
        {
            var regions = Vector128.Create((byte)regionCount);
            var none = Vector128.Create((byte)0xFF);
            var uncorrelated = Vector128.Create(SortedChannel.Uncorrelated);
            var regionDepth = Vector128.Create((byte)depth);
            var backgroundRim = Vector128.Create((byte)backgroundDepth);
            for (; p <= pixels - 16; p += 16)
            {
                var label = Vector128.Create(labels.Slice(p, 16));
                var step = Vector128.Create(rim.Slice(p, 16));
                var ownDepth = Vector128.ConditionalSelect(Vector128.Equals(label, Vector128<byte>.Zero), backgroundRim, regionDepth);
                var inCore = Vector128.LessThan(label, regions)
                    & (Vector128.Equals(step, Vector128<byte>.Zero) | Vector128.GreaterThan(step, ownDepth));

                // The label where in a region's core, −1 (0xFF as a signed byte) elsewhere.
                StoreSixteen(Vector128.ConditionalSelect(inCore, label, none), place, classes, p, uncorrelated);
            }
        }

        for (; p < pixels; p++)
        {
            var label = labels[p];
            var offRim = rim[p] == 0 || rim[p] > (label == 0 ? backgroundDepth : depth);
            classes[p] = label < regionCount && offRim && (place[p] & SortedChannel.Uncorrelated) != SortedChannel.Uncorrelated ? label : -1;
        }
    }

    /// <summary>
    /// How far the chromosomes reach into the background, for the background's rim: the last ring of background pixels
    /// (<paramref name="rim"/>'s step d, 1 to <paramref name="maxDepth"/>) whose mean height or mean of any channel lies more than
    /// <see cref="RingTolerance"/> σ from the far background's (the background past <paramref name="maxDepth"/>), and at least
    /// <paramref name="minDepth"/>. A scan drags a chromosome into the substrate beside it further than across a boundary inside
    /// it: the Z feedback undershoots after stepping down off it (a moat up to about four scan pixels wide on the host's fast
    /// default scan), the retrace's lag that merging trace and retrace averages in drags a field's values out with it, and the
    /// enhancer's receptive field adds its own reach; those rings moved the background's r far from the substrate's (the host's
    /// frame of seed 1: +0.26 over every pixel, −0.03 ten pixels out, truth 0; Accuracy.md).
    /// <paramref name="background"/>: the whole background's mean, σ and count of finite values, height first, then the channels
    /// in order; the far background's are those less the rings'. Rings of fewer than <see cref="MinRingPixels"/> values are too
    /// few to judge; a far background as small is no reference, and the whole background stands in for it.
    /// </summary>
    internal static int BackgroundDepth(ReadOnlySpan<byte> labels, ReadOnlySpan<byte> rim, ReadOnlySpan<float> height, IReadOnlyList<ChannelData> channels,
        ReadOnlySpan<(double Mean, double Sd, int Count)> background, int minDepth, int maxDepth)
    {
        var pixels = labels.Length;
        var series = channels.Count + 1;
        if (rim.Length < pixels || height.Length < pixels || channels.Any(c => c.Data.Length < pixels) || background.Length < series)
        {
            throw new ArgumentException($"Rim, height and every channel must hold the labels' {pixels} pixels, and the background {series} moments.", nameof(rim));
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxDepth, byte.MaxValue - 1);

        // Per ring and series: count, Σ(v − mean) and Σ(v − mean)² about the whole background's mean (no cancellation).
        var rings = new double[(maxDepth + 1) * series * 3];
        var data = channels.Select(c => c.Data).ToArray();
        Span<double> mean = stackalloc double[series];
        for (var k = 0; k < series; k++)
        {
            mean[k] = background[k].Mean;
        }

        // The rings are a thin share of the frame: sixteen pixels at a time skip the rest (other regions, the far background),
        // and only the ring's pixels among them are visited.
        var p = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            var deepest = Vector128.Create((byte)maxDepth);
            for (; p <= pixels - 16; p += 16)
            {
                var step = Vector128.Create(rim.Slice(p, 16));
                var ring = Vector128.Equals(Vector128.Create(labels.Slice(p, 16)), Vector128<byte>.Zero)
                    & ~Vector128.Equals(step, Vector128<byte>.Zero) & Vector128.LessThanOrEqual(step, deepest);
                for (var members = ring.ExtractMostSignificantBits(); members != 0; members &= members - 1)
                {
                    AddPixel(p + BitOperations.TrailingZeroCount(members), rim, height, data, mean, rings);
                }
            }
        }

        for (; p < pixels; p++)
        {
            if (labels[p] == 0 && rim[p] is > 0 and var d && d <= maxDepth)
            {
                AddPixel(p, rim, height, data, mean, rings);
            }
        }

        // The far background: the whole background less every ring, about the same mean.
        Span<(double Offset, double Sd)> far = stackalloc (double, double)[series];
        for (var k = 0; k < series; k++)
        {
            var (_, sd, count) = background[k];
            double n = count, sum = 0, squares = (count - 1) * sd * sd;
            for (var d = 1; d <= maxDepth; d++)
            {
                var slot = ((d * series) + k) * 3;
                n -= rings[slot];
                sum -= rings[slot + 1];
                squares -= rings[slot + 2];
            }

            far[k] = n >= MinRingPixels && squares > 0 ? (sum / n, Math.Sqrt(Math.Max(0, squares - (sum * sum / n)) / (n - 1))) : (0, sd);
        }

        var depth = minDepth;
        for (var d = minDepth + 1; d <= maxDepth; d++)
        {
            for (var k = 0; k < series; k++)
            {
                var slot = ((d * series) + k) * 3;
                var n = rings[slot];
                var (offset, sd) = far[k];
                if (n >= MinRingPixels && sd > 0 && Math.Abs((rings[slot + 1] / n) - offset) > RingTolerance * sd)
                {
                    depth = d;
                }
            }
        }

        return depth;

        // A ring pixel's height and channels, each less the background's mean, into its ring's sums.
        static void AddPixel(int p, ReadOnlySpan<byte> rim, ReadOnlySpan<float> height, float[][] data, ReadOnlySpan<double> mean, double[] rings)
        {
            var slot = rim[p] * (data.Length + 1) * 3;
            AddToRing(height[p] - mean[0], slot, rings);
            for (var c = 0; c < data.Length; c++)
            {
                AddToRing(data[c][p] - mean[c + 1], slot + ((c + 1) * 3), rings);
            }
        }

        static void AddToRing(double deviation, int slot, double[] rings)
        {
            if (double.IsFinite(deviation))
            {
                rings[slot]++;
                rings[slot + 1] += deviation;
                rings[slot + 2] += deviation * deviation;
            }
        }
    }

    /// <summary>
    /// How far, in the far background's σ, a ring's mean may lie from the far background's and still count as substrate. Past
    /// the chromosomes' reach the rings of the host's enhanced frames stay within 0.1–0.2 σ; inside it their height lies 0.5–1.9 σ
    /// below (the feedback's moat).
    /// </summary>
    internal const double RingTolerance = 0.25;

    /// <summary>Fewest values a ring (or the far background) needs for its mean to be compared.</summary>
    internal const int MinRingPixels = 32;

    /// <summary>Sixteen classes at <paramref name="p"/> (bytes, 0xFF for −1) widened to ints four at a time, −1 where the pixel is no correlated pair.</summary>
    private static void StoreSixteen(Vector128<byte> codes, ReadOnlySpan<int> place, Span<int> classes, int p, Vector128<int> uncorrelated)
    {
        var (low, high) = Vector128.Widen(codes.AsSByte());
        var (q0, q1) = Vector128.Widen(low);
        var (q2, q3) = Vector128.Widen(high);
        Store(q0, place, classes, p, uncorrelated);
        Store(q1, place, classes, p + 4, uncorrelated);
        Store(q2, place, classes, p + 8, uncorrelated);
        Store(q3, place, classes, p + 12, uncorrelated);
    }

    /// <summary>Four classes at <paramref name="p"/>, −1 where the pixel is no correlated pair.</summary>
    private static void Store(Vector128<int> region, ReadOnlySpan<int> place, Span<int> classes, int p, Vector128<int> uncorrelated)
    {
        var notPair = Vector128.Equals(Vector128.Create(place.Slice(p, 4)) & uncorrelated, uncorrelated);
        (region | notPair).CopyTo(classes.Slice(p, 4));
    }

    /// <summary>Channel <paramref name="c"/> of pixel <paramref name="p"/> into region <paramref name="region"/>'s sums (none: −1), if the value is finite.</summary>
    private static void AddCorePair(int p, int c, int region, ReadOnlySpan<float> height, float[][] data, ReadOnlySpan<double> heightShift,
        ReadOnlySpan<double> channelShift, double[] sums)
    {
        var value = data[c][p];
        if (region < 0 || !float.IsFinite(value))
        {
            return;
        }

        var h = height[p] - heightShift[region];
        var f = value - channelShift[(region * data.Length) + c];
        var s = sums.AsSpan(((region * data.Length) + c) * Sums, Sums);
        s[0]++;
        s[1] += h;
        s[2] += f;
        s[3] += h * h;
        s[4] += f * f;
        s[5] += h * f;
    }

    /// <summary>
    /// The sums row by row and channel by channel, a vector of pixels at a time (eight on x64, four on arm64). A vector of
    /// background core pairs, all finite (nearly all of a frame's pixels), goes into float sums held in registers; any other,
    /// per region present in it, under a lane mask. Values are taken less the region's shifts and the float sums added to the
    /// double sums at the end of each row (a row's few dozen values per lane lose nothing that matters to r); the row's last
    /// pixels one by one (<see cref="AddCorePair"/>).
    /// </summary>
    private static void SumRows(int[] classes, ReadOnlySpan<float> height, float[][] data, int width, int rows, int regionCount,
        ReadOnlySpan<double> heightShift, ReadOnlySpan<double> channelShift, double[] sums)
    {
        var lanes = Vector<float>.Count;
        var channelCount = data.Length;

        // Per region: Σh, Σf, Σh², Σf², Σhf and the count (as lanes of ones).
        const int PerRegion = 6;
        Span<Vector<float>> row = stackalloc Vector<float>[regionCount * PerRegion];
        var exponent = new Vector<uint>(0x7F80_0000u);
        var shiftH = new Vector<float>((float)heightShift[0]);
        ref var class0 = ref MemoryMarshal.GetArrayDataReference(classes);
        ref var height0 = ref MemoryMarshal.GetReference(height);

        // Row by row, each channel in turn: the row's classes and heights stay in the cache for the next channel.
        for (var y = 0; y < rows; y++)
        {
            var start = y * width;
            for (var c = 0; c < channelCount; c++)
            {
                ref var channel0 = ref MemoryMarshal.GetArrayDataReference(data[c]);
                var shiftF = new Vector<float>((float)channelShift[c]);
                row.Clear();
                Vector<float> sh = default, sf = default, shh = default, sff = default, shf = default, count = default;
                var x = 0;
                for (; x <= width - lanes; x += lanes)
                {
                    // In bounds: the frame's checked length holds p + lanes − 1 (x ≤ width − lanes).
                    var p = (nuint)(start + x);
                    var region = Vector.LoadUnsafe(ref class0, p);
                    var values = Vector.LoadUnsafe(ref channel0, p);
                    var finite = ~Vector.Equals(Vector.AsVectorUInt32(values) & exponent, exponent);
                    var h = Vector.LoadUnsafe(ref height0, p);
                    if (region == Vector<int>.Zero && finite == Vector<uint>.AllBitsSet)
                    {
                        var hb = h - shiftH;
                        var fb = values - shiftF;
                        sh += hb;
                        sf += fb;
                        shh += hb * hb;
                        sff += fb * fb;
                        shf += hb * fb;
                        count += Vector<float>.One;
                        continue;
                    }

                    var eligible = Vector.AsVectorSingle(Vector.AsVectorInt32(finite) & Vector.GreaterThanOrEqual(region, Vector<int>.Zero));
                    if (eligible == Vector<float>.Zero)
                    {
                        continue;
                    }

                    for (var r = 0; r < regionCount; r++)
                    {
                        var use = eligible & Vector.AsVectorSingle(Vector.Equals(region, new Vector<int>(r)));
                        if (use == Vector<float>.Zero)
                        {
                            continue;
                        }

                        var hu = (h - new Vector<float>((float)heightShift[r])) & use;
                        var f = (values - new Vector<float>((float)channelShift[(r * channelCount) + c])) & use;
                        var o = r * PerRegion;
                        row[o] += hu;
                        row[o + 1] += f;
                        row[o + 2] += hu * hu;
                        row[o + 3] += f * f;
                        row[o + 4] += hu * f;
                        row[o + 5] += Vector<float>.One & use;
                    }
                }

                for (; x < width; x++)
                {
                    AddCorePair(start + x, c, classes[start + x], height, data, heightShift, channelShift, sums);
                }

                row[0] += sh;
                row[1] += sf;
                row[2] += shh;
                row[3] += sff;
                row[4] += shf;
                row[5] += count;
                for (var r = 0; r < regionCount; r++)
                {
                    var o = r * PerRegion;
                    var s = sums.AsSpan(((r * channelCount) + c) * Sums, Sums);
                    s[0] += LaneSum(row[o + 5]);
                    s[1] += LaneSum(row[o]);
                    s[2] += LaneSum(row[o + 1]);
                    s[3] += LaneSum(row[o + 2]);
                    s[4] += LaneSum(row[o + 3]);
                    s[5] += LaneSum(row[o + 4]);
                }
            }
        }
    }

    /// <summary>The lanes' sum in double.</summary>
    private static double LaneSum(Vector<float> lanes)
    {
        Vector.Widen(lanes, out var low, out var high);
        return Vector.Sum(low + high);
    }

    /// <summary>
    /// Sets <paramref name="rim"/>[p] to the step d (1 to <paramref name="depth"/>) at which pixel p is reached from a pixel
    /// labelled otherwise (the first step: a 4-neighbour inside the frame with another label; step d, a 4-neighbour reached at
    /// step d − 1), else 0. The frame's border is no edge: beyond it nothing is known to differ.
    /// </summary>
    internal static void Rim(ReadOnlySpan<byte> labels, int width, int rows, int depth, Span<byte> rim)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(depth, sbyte.MaxValue);
        if (depth > StepsUpTo)
        {
            Rim(labels, width, rows, 1, rim);
            CityBlockSteps(rim[..(width * rows)], width, rows, depth);
            return;
        }

        for (var step = 1; step <= depth; step++)
        {
            // Step 1 compares the labels; each further step marks the unmarked pixels beside the last step's (its number).
            var first = step == 1;
            var last = (byte)(step - 1);
            var mark = (byte)step;
            for (var y = 0; y < rows; y++)
            {
                var start = y * width;
                var x = 0;
                if (Vector128.IsHardwareAccelerated && width >= 18)
                {
                    // Columns 1 to width − 2 sixteen at a time; column 0, the last and the remainder one by one below.
                    Pixel(labels, rim, width, rows, start, 0, y, first, last, mark);
                    for (x = 1; x <= width - 17; x += 16)
                    {
                        var p = start + x;
                        var up = y > 0 ? p - width : p;
                        var down = y < rows - 1 ? p + width : p;
                        if (first)
                        {
                            var centre = Vector128.Create(labels.Slice(p, 16));
                            var differs = ~(Vector128.Equals(centre, Vector128.Create(labels.Slice(p - 1, 16)))
                                & Vector128.Equals(centre, Vector128.Create(labels.Slice(p + 1, 16)))
                                & Vector128.Equals(centre, Vector128.Create(labels.Slice(up, 16)))
                                & Vector128.Equals(centre, Vector128.Create(labels.Slice(down, 16))));
                            (differs & Vector128<byte>.One).CopyTo(rim.Slice(p, 16));
                        }
                        else
                        {
                            var was = Vector128.Create(last);
                            var centre = Vector128.Create(rim.Slice(p, 16));
                            var beside = Vector128.Equals(Vector128.Create(rim.Slice(p - 1, 16)), was) | Vector128.Equals(Vector128.Create(rim.Slice(p + 1, 16)), was)
                                | (y > 0 ? Vector128.Equals(Vector128.Create(rim.Slice(up, 16)), was) : Vector128<byte>.Zero)
                                | (y < rows - 1 ? Vector128.Equals(Vector128.Create(rim.Slice(down, 16)), was) : Vector128<byte>.Zero);
                            (centre | (beside & Vector128.Equals(centre, Vector128<byte>.Zero) & Vector128.Create(mark))).CopyTo(rim.Slice(p, 16));
                        }
                    }
                }

                for (; x < width; x++)
                {
                    Pixel(labels, rim, width, rows, start, x, y, first, last, mark);
                }
            }
        }
    }

    /// <summary>
    /// Deepest rim <see cref="Rim"/> takes step by step (a pass over the frame each); deeper, the steps are the distance to the
    /// first step's pixels (4-connected steps through any pixels: the city-block distance), found in a few light vector passes
    /// (<see cref="CityBlockSteps"/>): a 16-deep background rim took 2.3 ms step by step on a 512² frame, 0.44–0.56 ms so, against
    /// 0.23 ms for 2 deep.
    /// </summary>
    private const int StepsUpTo = 3;

    /// <summary>
    /// From the first step's marks (1, else 0) to every pixel's step up to <paramref name="depth"/> (0 beyond), as the steps
    /// would mark them. The city-block distance separates: down and up each column, then along each row both ways, a vector of
    /// pixels at a time. Steps are held capped at depth + 1 and only ever lowered; a sum compared is at most twice the depth,
    /// which a byte holds up to the depth <see cref="Rim"/> allows.
    /// </summary>
    private static void CityBlockSteps(Span<byte> rim, int width, int rows, int depth)
    {
        var beyond = (byte)(depth + 1);
        var p = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            for (; p <= rim.Length - 16; p += 16)
            {
                var step = Vector128.Create(rim.Slice(p, 16));
                Vector128.ConditionalSelect(Vector128.Equals(step, Vector128<byte>.Zero), Vector128.Create(beyond), step).CopyTo(rim.Slice(p, 16));
            }
        }

        for (; p < rim.Length; p++)
        {
            rim[p] = rim[p] == 0 ? beyond : rim[p];
        }

        for (var y = 1; y < rows; y++)
        {
            CloserThroughRow(rim.Slice((y - 1) * width, width), rim.Slice(y * width, width), beyond);
        }

        for (var y = rows - 2; y >= 0; y--)
        {
            CloserThroughRow(rim.Slice((y + 1) * width, width), rim.Slice(y * width, width), beyond);
        }

        // Along each row: offsets 1, 2, 4, … leftwards, then rightwards, each pass from one buffer into the other, reach every
        // offset below twice the largest (a pixel's step ≤ depth is at most depth − 1 along the row from a column's step ≥ 1).
        // Passes are vector-wide and independent, unlike a running minimum along the row, where each pixel waits on the last.
        var spare = AnalysisPool<byte>.Shared.Rent(width);
        try
        {
            for (var y = 0; y < rows; y++)
            {
                var row = rim.Slice(y * width, width);
                Span<byte> from = row, to = spare.AsSpan(0, width);
                foreach (var leftwards in (ReadOnlySpan<bool>)[true, false])
                {
                    for (var offset = 1; offset < depth; offset *= 2)
                    {
                        CloserAlongRow(from, to, offset, leftwards);
                        var swap = from;
                        from = to;
                        to = swap;
                    }
                }

                // from holds the result (in row or in spare): steps beyond depth (held as depth + 1) back to 0.
                var x = 0;
                if (Vector128.IsHardwareAccelerated)
                {
                    for (; x <= width - 16; x += 16)
                    {
                        var step = Vector128.Create(from.Slice(x, 16));
                        (step & ~Vector128.GreaterThan(step, Vector128.Create((byte)depth))).CopyTo(row.Slice(x, 16));
                    }
                }

                for (; x < width; x++)
                {
                    row[x] = from[x] > depth ? (byte)0 : from[x];
                }
            }
        }
        finally
        {
            AnalysisPool<byte>.Shared.Return(spare);
        }

        // Each pixel: the nearer of its own and offset more than the pixel offset to its left (or right), from one row into another.
        static void CloserAlongRow(ReadOnlySpan<byte> from, Span<byte> to, int offset, bool leftwards)
        {
            var width = from.Length;
            if (offset >= width)
            {
                from.CopyTo(to);
                return;
            }

            // Leftwards: x from offset on reads x − offset; rightwards: x below width − offset reads x + offset.
            var (first, end, source) = leftwards ? (offset, width, -offset) : (0, width - offset, offset);
            from[..first].CopyTo(to);
            from[end..].CopyTo(to[end..]);
            var x = first;
            if (Vector128.IsHardwareAccelerated)
            {
                var add = Vector128.Create((byte)offset);
                for (; x <= end - 16; x += 16)
                {
                    Vector128.Min(Vector128.Create(from.Slice(x, 16)), Vector128.Create(from.Slice(x + source, 16)) + add).CopyTo(to.Slice(x, 16));
                }
            }

            for (; x < end; x++)
            {
                to[x] = Math.Min(from[x], (byte)(from[x + source] + offset));
            }
        }

        // Each pixel of row: the nearer of its own and one more than its neighbour's in the row beside (capped at beyond).
        static void CloserThroughRow(ReadOnlySpan<byte> beside, Span<byte> row, byte beyond)
        {
            var x = 0;
            if (Vector128.IsHardwareAccelerated)
            {
                for (; x <= row.Length - 16; x += 16)
                {
                    var through = Vector128.Min(Vector128.Create(beside.Slice(x, 16)) + Vector128<byte>.One, Vector128.Create(beyond));
                    Vector128.Min(Vector128.Create(row.Slice(x, 16)), through).CopyTo(row.Slice(x, 16));
                }
            }

            for (; x < row.Length; x++)
            {
                row[x] = Math.Min(row[x], Math.Min((byte)(beside[x] + 1), beyond));
            }
        }
    }

    /// <summary>One pixel of one step of <see cref="Rim"/>.</summary>
    private static void Pixel(ReadOnlySpan<byte> labels, Span<byte> rim, int width, int rows, int start, int x, int y, bool first, byte last, byte mark)
    {
        var p = start + x;
        if (first)
        {
            var label = labels[p];
            rim[p] = (byte)((x > 0 && labels[p - 1] != label) || (x < width - 1 && labels[p + 1] != label)
                || (y > 0 && labels[p - width] != label) || (y < rows - 1 && labels[p + width] != label) ? 1 : 0);
        }
        else if (rim[p] == 0 && ((x > 0 && rim[p - 1] == last) || (x < width - 1 && rim[p + 1] == last)
            || (y > 0 && rim[p - width] == last) || (y < rows - 1 && rim[p + width] == last)))
        {
            rim[p] = mark;
        }
    }

    /// <summary>
    /// The interval [<paramref name="low"/>, <paramref name="high"/>] around <paramref name="r"/> widened to take in the
    /// same interval moved onto the core's <paramref name="core"/> (the statistical uncertainty and the rim's together), and the
    /// core's value itself (a percentile interval need not hold its own estimate), within
    /// ±<paramref name="bound"/> (1 for an r, 2 for a difference of two); where there is no core value (every pair on the rim),
    /// all of [−bound, bound]: nothing but mixed pixels stands behind r.
    /// </summary>
    public static (double Low, double High) Span(double r, double low, double high, double core, double bound = 1) =>
        double.IsFinite(core)
            ? (Math.Max(-bound, Math.Min(Math.Min(low, core), core - (r - low))), Math.Min(bound, Math.Max(Math.Max(high, core), core + (high - r))))
            : (-bound, bound);
}
