using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AfmEdge.Processing;

/// <summary>
/// Finds horizontal scars (short runs of a line shifted up or down against the lines above and below) and replaces
/// them. Detection is gwy_data_field_mark_scars (libprocess/correct.c) run for positive and negative scars with the
/// Remove Scars module's defaults (high 0.666, low 0.25 in units of the vertical RMS difference, minimum length 16,
/// maximum width 4). Replacement differs from Gwyddion, which solves Laplace's equation over the marked pixels: each
/// marked run is interpolated linearly along its column between the nearest unmarked pixels above and below
/// (a scar is only a few lines wide, so the two agree closely and this needs no iteration).
/// </summary>
public sealed class ScarRemoval : GridOperation
{
    public ScarRemoval(double thresholdHigh = 0.666, double thresholdLow = 0.25, int minLength = 16, int maxWidth = 4)
    {
        if (!(thresholdLow > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(thresholdLow), thresholdLow, "Low threshold must be positive.");
        }

        if (!(thresholdHigh >= thresholdLow))
        {
            throw new ArgumentOutOfRangeException(nameof(thresholdHigh), thresholdHigh, "High threshold must be at least the low threshold.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(minLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWidth, 1);
        ThresholdHigh = thresholdHigh;
        ThresholdLow = thresholdLow;
        MinLength = minLength;
        MaxWidth = maxWidth;
    }

    public double ThresholdHigh { get; }

    public double ThresholdLow { get; }

    public int MinLength { get; }

    public int MaxWidth { get; }

    public override string Name => ThresholdHigh == 0.666 && ThresholdLow == 0.25 && MinLength == 16 && MaxWidth == 4
        ? "scars"
        : string.Create(CultureInfo.InvariantCulture, $"scars:{ThresholdHigh}:{ThresholdLow}:{MinLength}:{MaxWidth}");

    public override int MinHeight => 3;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Run(ReadOnlySpan<float> input, Span<float> output, int width, int height, ReadOnlySpan<byte> exclude)
    {
        Check(input, output, width, height, exclude);
        var n = input.Length;
        var markBuffer = ArrayPool<byte>.Shared.Rent(n);
        var strengthBuffer = ArrayPool<float>.Shared.Rent(n);
        try
        {
            var marks = markBuffer.AsSpan(0, n);
            Mark(input, marks, strengthBuffer.AsSpan(0, n), width, height);
            input.CopyTo(output);
            for (var y = 0; y < height; y++)
            {
                var row = marks.Slice(y * width, width);
                for (var x = row.IndexOfAnyExcept((byte)0); x >= 0 && x < width; x++)
                {
                    if (row[x] == 0)
                    {
                        continue;
                    }

                    // Scars are at most MaxWidth lines tall, so the unmarked neighbours are a few steps away.
                    var above = y - 1;
                    while (above >= 0 && marks[(above * width) + x] != 0)
                    {
                        above--;
                    }

                    var below = y + 1;
                    while (below < height && marks[(below * width) + x] != 0)
                    {
                        below++;
                    }

                    output[(y * width) + x] = Interpolate(input, width, height, x, y, above, below);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(markBuffer);
            ArrayPool<float>.Shared.Return(strengthBuffer);
        }
    }

    /// <summary>1 where a pixel belongs to a positive or negative scar, else 0.</summary>
    public byte[] Mark(ReadOnlySpan<float> data, int width, int height)
    {
        Grid.Check(data.Length, data.Length, width, height);
        var result = new byte[data.Length];
        Mark(data, result, new float[data.Length], width, height);
        return result;
    }

    /// <summary>Marks into <paramref name="result"/>; <paramref name="strength"/> is frame-sized scratch.</summary>
    private void Mark(ReadOnlySpan<float> data, Span<byte> result, Span<float> strength, int width, int height)
    {
        result.Clear();
        var rms = VerticalRms(data, width, height);
        foreach (var negative in (ReadOnlySpan<bool>)[false, true])
        {
            strength.Clear();
            MarkScars(data, strength, width, height, rms, negative);
            for (var y = 0; y < height; y++)
            {
                var row = strength.Slice(y * width, width);
                for (var x = row.IndexOfAnyExcept(0f); x >= 0 && x < width; x++)
                {
                    if (row[x] > 0)
                    {
                        result[(y * width) + x] = 1;
                    }
                }
            }
        }
    }

    private static float Interpolate(ReadOnlySpan<float> input, int width, int height, int x, int y, int above, int below)
    {
        if (above >= 0 && below < height)
        {
            var t = (double)(y - above) / (below - above);
            return (float)(((1 - t) * input[(above * width) + x]) + (t * input[(below * width) + x]));
        }

        return above >= 0 ? input[(above * width) + x] : below < height ? input[(below * width) + x] : input[(y * width) + x];
    }

    // The marking of gwy_data_field_mark_scars, followed step by step so thresholds mean what they mean in Gwyddion;
    // the initial search runs one vector of columns at a time (in float, where Gwyddion uses double).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void MarkScars(ReadOnlySpan<float> d, Span<float> m, int xres, int yres, double rms, bool negative)
    {
        var minLen = Math.Max(MinLength, 1);
        var maxWidth = Math.Min(MaxWidth, yres - 2);
        var high = (float)Math.Max(ThresholdHigh, ThresholdLow);
        var low = (float)ThresholdLow;
        if (minLen > xres || maxWidth < 1)
        {
            return;
        }

        if (rms == 0)
        {
            return;
        }

        var lanes = Vector<float>.Count;
        for (var i = 0; i < yres - (maxWidth + 1); i++)
        {
            var j = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; j <= xres - lanes; j += lanes)
                {
                    SearchVector(d, m, (i * xres) + j, xres, maxWidth, (float)(low * rms), (float)(1 / rms), negative);
                }
            }

            for (; j < xres; j++)
            {
                SearchScalar(d, m, (i * xres) + j, xres, maxWidth, (float)(low * rms), (float)(1 / rms), negative);
            }
        }

        // Gwyddion then (1) spreads the high threshold along each row over neighbours above the low threshold, both
        // ways, and (2) keeps runs above the high threshold only when at least min_scar_len long. Together: a maximal
        // run of values ≥ low is a scar iff it holds a value ≥ high and is ≥ min_scar_len long — one pass per row.
        for (var i = 0; i < yres; i++)
        {
            var marks = m.Slice(i * xres, xres);
            if (System.Numerics.Tensors.TensorPrimitives.Max(marks) < high)
            {
                marks.Clear(); // most rows: nothing reaches the high threshold
                continue;
            }

            var j = 0;
            while (j < xres)
            {
                if (marks[j] < low)
                {
                    marks[j++] = 0;
                    continue;
                }

                var start = j;
                var strong = false;
                while (j < xres && marks[j] >= low)
                {
                    strong |= marks[j] >= high;
                    j++;
                }

                marks[start..j].Fill(strong && j - start >= minLen ? 1f : 0f);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SearchVector(ReadOnlySpan<float> d, Span<float> m, int at, int xres, int maxWidth, float lowRms, float invRms, bool negative)
    {
        ref var data = ref MemoryMarshal.GetReference(d);
        var d0 = Vector.LoadUnsafe(ref data, (nuint)at);
        var running = Vector.LoadUnsafe(ref data, (nuint)(at + xres)); // top (positive) or bottom (negative) so far
        var threshold = new Vector<float>(lowRms);
        var found = Vector<int>.Zero;
        var reference = Vector<float>.Zero;
        var depth = Vector<int>.Zero;
        for (var k = 1; k <= maxWidth; k++)
        {
            var next = Vector.LoadUnsafe(ref data, (nuint)(at + (xres * (k + 1))));
            var current = Vector.LoadUnsafe(ref data, (nuint)(at + (xres * k)));
            Vector<int> hit;
            Vector<float> candidate;
            if (negative)
            {
                candidate = Vector.Min(d0, next); // top
                running = Vector.Max(running, current); // bottom
                hit = Vector.GreaterThanOrEqual(candidate - running, threshold);
            }
            else
            {
                candidate = Vector.Max(d0, next); // bottom
                running = Vector.Min(running, current); // top
                hit = Vector.GreaterThanOrEqual(running - candidate, threshold);
            }

            hit = Vector.AndNot(hit, found);
            reference = Vector.ConditionalSelect(hit, candidate, reference);
            depth = Vector.ConditionalSelect(hit, new Vector<int>(k), depth);
            found |= hit;
        }

        if (found == Vector<int>.Zero)
        {
            return;
        }

        var scale = new Vector<float>(invRms);
        ref var marks = ref MemoryMarshal.GetReference(m);
        for (var k = 1; k <= maxWidth; k++)
        {
            var inScar = Vector.GreaterThanOrEqual(depth, new Vector<int>(k));
            var index = (nuint)(at + (xres * k));
            var value = Vector.LoadUnsafe(ref data, index);
            var strength = (negative ? reference - value : value - reference) * scale;
            var old = Vector.LoadUnsafe(ref marks, index);
            Vector.ConditionalSelect(inScar, Vector.Max(old, strength), old).StoreUnsafe(ref marks, index);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SearchScalar(ReadOnlySpan<float> d, Span<float> m, int at, int xres, int maxWidth, float lowRms, float invRms, bool negative)
    {
        var running = d[at + xres];
        for (var k = 1; k <= maxWidth; k++)
        {
            var next = d[at + (xres * (k + 1))];
            var current = d[at + (xres * k)];
            float candidate;
            bool hit;
            if (negative)
            {
                candidate = Math.Min(d[at], next);
                running = Math.Max(running, current);
                hit = candidate - running >= lowRms;
            }
            else
            {
                candidate = Math.Max(d[at], next);
                running = Math.Min(running, current);
                hit = running - candidate >= lowRms;
            }

            if (hit)
            {
                for (; k > 0; k--)
                {
                    var value = d[at + (xres * k)];
                    m[at + (xres * k)] = Math.Max(m[at + (xres * k)], (negative ? candidate - value : value - candidate) * invRms);
                }

                return;
            }
        }
    }

    /// <summary>Gwyddion's "vertical rms": √(Σ (z[i,j] − z[i+1,j])² / (xres·yres)).</summary>
    private static double VerticalRms(ReadOnlySpan<float> d, int xres, int yres)
    {
        double sum = 0;
        for (var i = 0; i < yres - 1; i++)
        {
            sum += SquaredDistance(d.Slice(i * xres, xres), d.Slice((i + 1) * xres, xres));
        }

        return Math.Sqrt(sum / ((double)xres * yres));
    }

    private static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var x = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var acc = Vector<double>.Zero;
            for (; x <= a.Length - Vector<float>.Count; x += Vector<float>.Count)
            {
                var diff = new Vector<float>(a[x..]) - new Vector<float>(b[x..]);
                var lo = Vector.WidenLower(diff);
                var hi = Vector.WidenUpper(diff);
                acc += (lo * lo) + (hi * hi);
            }

            sum = Vector.Sum(acc);
        }

        for (; x < a.Length; x++)
        {
            double z = a[x] - b[x];
            sum += z * z;
        }

        return sum;
    }
}
