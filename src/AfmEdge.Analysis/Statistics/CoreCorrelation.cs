using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AfmEdge.Analysis.Statistics;

/// <summary>
/// Pearson r of height against each channel over each region's core: its correlated pairs whose four neighbours lie in
/// the same region. On a scan the rim of a region mixes it with its neighbour (the pixel's dwell, the tip's flank, the
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
    /// <paramref name="vectors"/> false: every pixel one by one, as where Vector256 is not accelerated (the tests compare the two).
    /// </summary>
    public static double[] Compute(ReadOnlySpan<byte> labels, ReadOnlySpan<int> place, ReadOnlySpan<float> height, IReadOnlyList<ChannelData> channels,
        int width, int rows, int regionCount, int depth, ReadOnlySpan<double> heightShift, ReadOnlySpan<double> channelShift, bool vectors = true)
    {
        var pixels = width * rows;
        var channelCount = channels.Count;
        if (labels.Length < pixels || place.Length < pixels || height.Length < pixels || channels.Any(c => c.Data.Length < pixels))
        {
            throw new ArgumentException($"Labels, places, height and every channel must hold the {width}×{rows} frame's pixels.", nameof(labels));
        }

        if (heightShift.Length < regionCount || channelShift.Length < regionCount * channelCount)
        {
            throw new ArgumentException($"{regionCount} regions need as many height shifts and {regionCount * channelCount} channel shifts.", nameof(heightShift));
        }

        var data = channels.Select(c => c.Data).ToArray();
        var sums = new double[regionCount * channelCount * Sums];
        var rim = AnalysisPool<byte>.Shared.Rent(pixels);
        try
        {
            Rim(labels[..pixels], width, rows, depth, rim.AsSpan(0, pixels));
            if (vectors && Vector256.IsHardwareAccelerated && regionCount > 0)
            {
                SumRows(labels, place, height, data, rim, width, rows, regionCount, heightShift, channelShift, sums);
            }
            else
            {
                for (var p = 0; p < pixels; p++)
                {
                    AddPixel(p, labels, place, height, data, rim, regionCount, heightShift, channelShift, sums);
                }
            }
        }
        finally
        {
            AnalysisPool<byte>.Shared.Return(rim);
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

    /// <summary>Pixel <paramref name="p"/> into its region's sums, if it is a core pair; each channel where it is finite.</summary>
    private static void AddPixel(int p, ReadOnlySpan<byte> labels, ReadOnlySpan<int> place, ReadOnlySpan<float> height, float[][] data, byte[] rim,
        int regionCount, ReadOnlySpan<double> heightShift, ReadOnlySpan<double> channelShift, double[] sums)
    {
        for (var c = 0; c < data.Length; c++)
        {
            AddCorePair(p, c, labels, place, height, data, rim, regionCount, heightShift, channelShift, sums);
        }
    }

    /// <summary>Channel <paramref name="c"/> of pixel <paramref name="p"/> into its region's sums, if it is a core pair and the value finite.</summary>
    private static void AddCorePair(int p, int c, ReadOnlySpan<byte> labels, ReadOnlySpan<int> place, ReadOnlySpan<float> height, float[][] data, byte[] rim,
        int regionCount, ReadOnlySpan<double> heightShift, ReadOnlySpan<double> channelShift, double[] sums)
    {
        var label = labels[p];
        var value = data[c][p];
        if (label >= regionCount || rim[p] != 0 || (place[p] & SortedChannel.Uncorrelated) == SortedChannel.Uncorrelated || !float.IsFinite(value))
        {
            return;
        }

        var h = height[p] - heightShift[label];
        var f = value - channelShift[(label * data.Length) + c];
        var s = sums.AsSpan(((label * data.Length) + c) * Sums, Sums);
        s[0]++;
        s[1] += h;
        s[2] += f;
        s[3] += h * h;
        s[4] += f * f;
        s[5] += h * f;
    }

    /// <summary>
    /// The sums row by row and channel by channel, eight pixels at a time. Eight background core pairs, all finite (nearly all of
    /// a frame's pixels) go into float vectors held in registers; any other eight, per region present among them, under a lane
    /// mask. Values are taken less the region's shifts and the float sums added to the double sums at the end of each row (a
    /// row's 64 values per lane lose nothing that matters to r); the row's last pixels one by one (<see cref="AddCorePair"/>).
    /// </summary>
    private static void SumRows(ReadOnlySpan<byte> labels, ReadOnlySpan<int> place, ReadOnlySpan<float> height, float[][] data, byte[] rim,
        int width, int rows, int regionCount, ReadOnlySpan<double> heightShift, ReadOnlySpan<double> channelShift, double[] sums)
    {
        const int Lanes = 8;
        var channelCount = data.Length;

        // Per region: Σh, Σf, Σh², Σf², Σhf and the count (as lanes of ones), eight lanes each.
        const int PerRegion = 6;
        Span<Vector256<float>> row = stackalloc Vector256<float>[regionCount * PerRegion];
        var exponent = Vector256.Create(0x7F80_0000u);
        var uncorrelated = Vector256.Create(SortedChannel.Uncorrelated);
        ref var label0 = ref MemoryMarshal.GetReference(labels);
        ref var rim0 = ref MemoryMarshal.GetArrayDataReference(rim);
        ref var place0 = ref MemoryMarshal.GetReference(place);
        ref var height0 = ref MemoryMarshal.GetReference(height);
        var shiftH = Vector256.Create((float)heightShift[0]);

        // Row by row, each channel in turn: the row's labels, places and heights stay in the cache for the next channel.
        for (var y = 0; y < rows; y++)
        {
            for (var c = 0; c < channelCount; c++)
            {
                ref var channel0 = ref MemoryMarshal.GetArrayDataReference(data[c]);
                var shiftF = Vector256.Create((float)channelShift[c]);
                row.Clear();
                Vector256<float> sh = default, sf = default, shh = default, sff = default, shf = default, count = default;
                var start = y * width;
                var x = 0;
                for (; x <= width - Lanes; x += Lanes)
                {
                    var p = start + x;
                    var rimBytes = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref rim0, p));
                    var labelBytes = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref label0, p));
                    // In bounds: the frame's checked length holds p + 7 (x ≤ width − 8).
                    var pairs = ~Vector256.Equals(Vector256.LoadUnsafe(ref place0, (nuint)p) & uncorrelated, uncorrelated);
                    var values = Vector256.LoadUnsafe(ref channel0, (nuint)p);
                    var finite = ~Vector256.Equals(values.AsUInt32() & exponent, exponent).AsInt32();
                    var h = Vector256.LoadUnsafe(ref height0, (nuint)p);
                    if ((rimBytes | labelBytes) == 0 && (pairs & finite) == Vector256<int>.AllBitsSet)
                    {
                        var hb = h - shiftH;
                        var fb = values - shiftF;
                        sh += hb;
                        sf += fb;
                        shh += hb * hb;
                        sff += fb * fb;
                        shf += hb * fb;
                        count += Vector256<float>.One;
                        continue;
                    }

                    var eligible = (pairs & finite & Vector256.Equals(Widen(rimBytes), Vector256<int>.Zero)).AsSingle();
                    if (eligible == Vector256<float>.Zero)
                    {
                        continue;
                    }

                    var labelLanes = Widen(labelBytes);
                    for (var r = 0; r < regionCount; r++)
                    {
                        var use = eligible & Vector256.Equals(labelLanes, Vector256.Create(r)).AsSingle();
                        if (use == Vector256<float>.Zero)
                        {
                            continue;
                        }

                        var hu = (h - Vector256.Create((float)heightShift[r])) & use;
                        var f = (values - Vector256.Create((float)channelShift[(r * channelCount) + c])) & use;
                        var o = r * PerRegion;
                        row[o] += hu;
                        row[o + 1] += f;
                        row[o + 2] += hu * hu;
                        row[o + 3] += f * f;
                        row[o + 4] += hu * f;
                        row[o + 5] += Vector256<float>.One & use;
                    }
                }

                for (; x < width; x++)
                {
                    AddCorePair(start + x, c, labels, place, height, data, rim, regionCount, heightShift, channelShift, sums);
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

    /// <summary>Eight bytes as eight int lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Widen(ulong bytes) =>
        Vector256.WidenLower(Vector128.WidenLower(Vector128.CreateScalar(bytes).AsByte()).ToVector256()).AsInt32();

    /// <summary>The eight lanes' sum in double.</summary>
    private static double LaneSum(Vector256<float> lanes)
    {
        var (low, high) = Vector256.Widen(lanes);
        return Vector256.Sum(low + high);
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
