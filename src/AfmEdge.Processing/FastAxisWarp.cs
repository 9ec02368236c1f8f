using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AfmEdge.Core;

namespace AfmEdge.Processing;

/// <summary>
/// Moves every row of an image along the fast axis by a displacement that depends on the column:
/// output(x, y) = input(x − shift[x], y), cubic convolution (Keys, a = −½), the source clamped to the row's ends (the
/// end value repeated). The displacement is one function of x for the whole frame, as piezo hysteresis and signal lag
/// are (properties of the scan path, not of the line), so each column's source index and four weights are worked out
/// once per frame; a block of columns with at most two integer offsets is then a four-tap vector stencil with per-column
/// weight vectors on every row. <see cref="ApplyScalar"/> is the plain per-pixel reference the vector path is tested
/// against.
/// </summary>
public static class FastAxisWarp
{
    // Rows are split over the cores above this many pixels.
    internal const long ParallelPixels = 64 * 1024;

    /// <summary>The channel warped by <paramref name="shift"/>, into an array rented from <paramref name="buffers"/> when one is given.</summary>
    public static Channel Apply(Channel channel, ReadOnlySpan<double> shift, ChannelBufferPool? buffers = null)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var output = ChannelBufferPool.Allocate(buffers, channel.Data.Length);
        Apply(channel.Memory, output, channel.Width, channel.Height, shift);
        return channel.WithData(channel.Width, channel.Height, output);
    }

    /// <summary>output(x, y) = input(x − shift[x], y); <paramref name="shift"/> has one value per column, pixels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(ReadOnlyMemory<float> input, Memory<float> output, int width, int height, ReadOnlySpan<double> shift) =>
        Apply(input, output, width, height, shift, parallel: (long)width * height >= ParallelPixels);

    /// <summary>
    /// As the public overload, the rows split over the cores only when <paramref name="parallel"/>: a caller that
    /// already runs one warp per core (several channels, several pairs) keeps each on one thread, since a nested loop
    /// over a 256² channel costs more in hand-offs and spinning than its rows do. Every row is computed the same way
    /// either way, so the result is the same, bit for bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Apply(ReadOnlyMemory<float> input, Memory<float> output, int width, int height, ReadOnlySpan<double> shift, bool parallel)
    {
        Grid.Check(input.Length, output.Length, width, height);
        CheckShift(shift, width);
        var n = Vector<float>.Count;
        var blocks = width / n;
        var offsets = ArrayPool<int>.Shared.Rent(width);
        var weights = ArrayPool<float>.Shared.Rent(4 * width);
        var vectorBlocks = ArrayPool<bool>.Shared.Rent(Math.Max(1, blocks));
        try
        {
            for (var x = 0; x < width; x++)
            {
                var source = x - shift[x];
                var i = (int)Math.Floor(source);
                offsets[x] = i - x;
                Keys((float)(source - i), out weights[x], out weights[width + x], out weights[(2 * width) + x], out weights[(3 * width) + x]);
            }

            // A block runs as a vector stencil when its columns take at most two offsets (the first and the last
            // column's: a smooth displacement steps by one pixel at a time); with two, both stencils are taken and
            // each column keeps its own offset's, computed as alone. The stencils read a copy of the row with its end
            // values repeated on either side, so the blocks at the ends, whose taps reach past the row, take the
            // clamped samples Pixel would and run as vectors too.
            var reach = 0;
            for (var x = 0; x < width; x++)
            {
                reach = Math.Max(reach, Math.Abs(offsets[x]));
            }

            for (var b = 0; b < blocks; b++)
            {
                var x0 = b * n;
                var (first, last) = (offsets[x0], offsets[x0 + n - 1]);
                var ok = true;
                for (var k = 1; ok && k < n - 1; k++)
                {
                    ok = offsets[x0 + k] == first || offsets[x0 + k] == last;
                }

                vectorBlocks[b] = ok;
            }

            var plan = new Plan(offsets, weights, vectorBlocks, width, reach + 2, blocks > 0 && Vector.IsHardwareAccelerated);
            if (parallel && Environment.ProcessorCount > 1)
            {
                var chunks = Math.Min(Environment.ProcessorCount, height);
                Parallel.For(0, chunks, c => plan.Rows(input.Span, output.Span, c * height / chunks, (c + 1) * height / chunks));
            }
            else
            {
                plan.Rows(input.Span, output.Span, 0, height);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(offsets);
            ArrayPool<float>.Shared.Return(weights);
            ArrayPool<bool>.Shared.Return(vectorBlocks);
        }
    }

    /// <summary>The scalar reference: each pixel on its own, in double, straight from the definition.</summary>
    public static float[] ApplyScalar(ReadOnlySpan<float> input, int width, int height, ReadOnlySpan<double> shift)
    {
        var output = new float[input.Length];
        Grid.Check(input.Length, output.Length, width, height);
        CheckShift(shift, width);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var source = x - shift[x];
                var i = (int)Math.Floor(source);
                var t = source - i;
                double sum = 0;
                for (var k = -1; k <= 2; k++)
                {
                    sum += KeysKernel(t - k) * input[(y * width) + Math.Clamp(i + k, 0, width - 1)];
                }

                output[(y * width) + x] = (float)sum;
            }
        }

        return output;
    }

    /// <summary>Keys' cubic convolution kernel with a = −½ at distance <paramref name="d"/> (pixels).</summary>
    private static double KeysKernel(double d)
    {
        d = Math.Abs(d);
        return d < 1 ? (((1.5 * d) - 2.5) * d * d) + 1
            : d < 2 ? (((((-0.5 * d) + 2.5) * d) - 4) * d) + 2
            : 0;
    }

    // The four weights of the taps at floor(source) − 1 … + 2 for the fractional part t.
    private static void Keys(float t, out float w0, out float w1, out float w2, out float w3)
    {
        w0 = (float)KeysKernel(t + 1);
        w1 = (float)KeysKernel(t);
        w2 = (float)KeysKernel(1 - t);
        w3 = (float)KeysKernel(2 - t);
    }

    private static void CheckShift(ReadOnlySpan<double> shift, int width)
    {
        if (shift.Length != width)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{shift.Length} shifts given for {width} columns; one per column is needed."), nameof(shift));
        }

        for (var x = 0; x < width; x++)
        {
            if (!(Math.Abs(shift[x]) < width))
            {
                throw new ArgumentOutOfRangeException(nameof(shift), shift[x], string.Create(CultureInfo.InvariantCulture,
                    $"Shift of column {x} = {shift[x]} px must be finite and smaller than the row ({width} px)."));
            }
        }
    }

    /// <summary>Per-column source offsets and weights (planes w0, w1, w2, w3 of <c>width</c> each), shared by every row.</summary>
    private readonly struct Plan(int[] offsets, float[] weights, bool[] vectorBlocks, int width, int pad, bool vector)
    {
        /// <summary>Rows [y0, y1) of the image, through one padded copy of a row (pad samples either side).</summary>
        public void Rows(ReadOnlySpan<float> input, Span<float> output, int y0, int y1)
        {
            var padded = vector ? ArrayPool<float>.Shared.Rent(width + (2 * pad)) : [];
            try
            {
                for (var y = y0; y < y1; y++)
                {
                    Row(input.Slice(y * width, width), output.Slice(y * width, width), padded);
                }
            }
            finally
            {
                if (vector)
                {
                    ArrayPool<float>.Shared.Return(padded);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Row(ReadOnlySpan<float> input, Span<float> output, float[] padded)
        {
            var n = Vector<float>.Count;

            // Sample i of the row at padded[pad + i]; before 0 and past the end, the end values (Pixel's clamp).
            ref var source = ref MemoryMarshal.GetArrayDataReference(padded);
            if (vector)
            {
                padded.AsSpan(0, pad).Fill(input[0]);
                input.CopyTo(padded.AsSpan(pad));
                padded.AsSpan(pad + width, pad).Fill(input[width - 1]);
            }
            ref var target = ref MemoryMarshal.GetReference(output);
            ref var w0 = ref MemoryMarshal.GetArrayDataReference(weights);
            ref var w1 = ref Unsafe.Add(ref w0, width);
            ref var w2 = ref Unsafe.Add(ref w0, 2 * width);
            ref var w3 = ref Unsafe.Add(ref w0, 3 * width);
            var x = 0;
            if (vector)
            {
                for (var b = 0; b < width / n; b++, x += n)
                {
                    if (!vectorBlocks[b])
                    {
                        for (var k = x; k < x + n; k++)
                        {
                            output[k] = Pixel(input, k);
                        }

                        continue;
                    }

                    var c = (nuint)x;
                    var value = Stencil(ref source, ref w0, ref w1, ref w2, ref w3, (nuint)(pad + x + offsets[x] - 1), c);
                    var last = offsets[x + n - 1];
                    if (last != offsets[x])
                    {
                        var lastValue = Stencil(ref source, ref w0, ref w1, ref w2, ref w3, (nuint)(pad + x + last - 1), c);
                        var isLast = Vector.Equals(Vector.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(offsets), c), new Vector<int>(last));
                        value = Vector.ConditionalSelect(isLast.As<int, float>(), lastValue, value);
                    }

                    value.StoreUnsafe(ref target, c);
                }
            }

            for (; x < width; x++)
            {
                output[x] = Pixel(input, x);
            }
        }

        // Columns c … c + n − 1 from the taps at i … i + 3 (as Pixel does each, in the same order).
        private static Vector<float> Stencil(ref float source, ref float w0, ref float w1, ref float w2, ref float w3, nuint i, nuint c) =>
            (Vector.LoadUnsafe(ref w0, c) * Vector.LoadUnsafe(ref source, i))
            + (Vector.LoadUnsafe(ref w1, c) * Vector.LoadUnsafe(ref source, i + 1))
            + (Vector.LoadUnsafe(ref w2, c) * Vector.LoadUnsafe(ref source, i + 2))
            + (Vector.LoadUnsafe(ref w3, c) * Vector.LoadUnsafe(ref source, i + 3));

        private float Pixel(ReadOnlySpan<float> input, int x)
        {
            var i = x + offsets[x];
            var last = width - 1;
            return (weights[x] * input[Math.Clamp(i - 1, 0, last)])
                + (weights[width + x] * input[Math.Clamp(i, 0, last)])
                + (weights[(2 * width) + x] * input[Math.Clamp(i + 1, 0, last)])
                + (weights[(3 * width) + x] * input[Math.Clamp(i + 2, 0, last)]);
        }
    }
}
