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
    private const int Sums = 6;

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
            Classes(labels[..pixels], rim, place, regionCount, classes[..pixels]);
        }
        finally
        {
            AnalysisPool<byte>.Shared.Return(rim);
        }
    }

    /// <summary><see cref="Compute(ReadOnlySpan{byte}, ReadOnlySpan{int}, ReadOnlySpan{float}, IReadOnlyList{ChannelData}, int, int, int, int, ReadOnlySpan{double}, ReadOnlySpan{double}, bool)"/> from the pixels' classes (<see cref="Classify"/>).</summary>
    public static double[] Compute(int[] classes, ReadOnlySpan<float> height, IReadOnlyList<ChannelData> channels, int width, int rows, int regionCount,
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

        var r = new double[regionCount * channelCount];
        for (var slot = 0; slot < r.Length; slot++)
        {
            var s = sums.AsSpan(slot * Sums, Sums);
            var n = s[0];
            var vh = s[3] - (s[1] * s[1] / n);
            var vf = s[4] - (s[2] * s[2] / n);
            r[slot] = n >= 3 && vh > 0 && vf > 0 ? Math.Clamp((s[5] - (s[1] * s[2] / n)) / Math.Sqrt(vh * vf), -1, 1) : double.NaN;
        }

        return r;
    }

    /// <summary>
    /// Each pixel's region where it is a core pair (label below <paramref name="regionCount"/>, off the rim, a correlated pair),
    /// −1 elsewhere: all the sums need to know of labels, rim and places. Sixteen pixels at a time where 128-bit vectors are
    /// accelerated (x64 and arm64 alike).
    /// </summary>
    private static void Classes(ReadOnlySpan<byte> labels, ReadOnlySpan<byte> rim, ReadOnlySpan<int> place, int regionCount, Span<int> classes)
    {
        var pixels = classes.Length;
        var p = 0;
        if (Vector128.IsHardwareAccelerated && regionCount <= sbyte.MaxValue)
        {
            var regions = Vector128.Create((byte)regionCount);
            var none = Vector128.Create((byte)0xFF);
            var uncorrelated = Vector128.Create(SortedChannel.Uncorrelated);
            for (; p <= pixels - 16; p += 16)
            {
                var label = Vector128.Create(labels.Slice(p, 16));
                var inCore = Vector128.LessThan(label, regions) & Vector128.Equals(Vector128.Create(rim.Slice(p, 16)), Vector128<byte>.Zero);

                // The label where in a region's core, −1 (0xFF as a signed byte) elsewhere, widened to ints four at a time.
                var (low, high) = Vector128.Widen(Vector128.ConditionalSelect(inCore, label, none).AsSByte());
                var (q0, q1) = Vector128.Widen(low);
                var (q2, q3) = Vector128.Widen(high);
                Store(q0, place, classes, p, uncorrelated);
                Store(q1, place, classes, p + 4, uncorrelated);
                Store(q2, place, classes, p + 8, uncorrelated);
                Store(q3, place, classes, p + 12, uncorrelated);
            }
        }

        for (; p < pixels; p++)
        {
            var label = labels[p];
            classes[p] = label < regionCount && rim[p] == 0 && (place[p] & SortedChannel.Uncorrelated) != SortedChannel.Uncorrelated ? label : -1;
        }
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
    /// Sets <paramref name="rim"/>[p] to 1 where pixel p lies within <paramref name="depth"/> 4-connected steps of a pixel
    /// labelled otherwise (the first step: a 4-neighbour inside the frame with another label; each further step, a 4-neighbour
    /// on the rim already), else 0. The frame's border is no edge: beyond it nothing is known to differ.
    /// </summary>
    internal static void Rim(ReadOnlySpan<byte> labels, int width, int rows, int depth, Span<byte> rim)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
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
