using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AfmEdge.Core;

namespace AfmEdge.Processing;

/// <summary>
/// Translates an image by a sub-pixel (dx, dy) with bilinear interpolation: output(x, y) = input(x − dx, y − dy), the
/// source clamped to the edge (the edge rows and columns are repeated where the source lies outside the image; see
/// <see cref="ValidArea"/> for the part that is real data). A constant shift has constant weights, so the interior of
/// each row is one four-tap vector stencil.
/// </summary>
public static class ImageShift
{
    public static Channel Apply(Channel channel, double dx, double dy)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var output = new float[channel.Data.Length];
        Apply(channel.Data, output, channel.Width, channel.Height, dx, dy);
        return channel.WithData(channel.Width, channel.Height, output);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(ReadOnlySpan<float> input, Span<float> output, int width, int height, double dx, double dy)
    {
        Grid.Check(input.Length, output.Length, width, height);
        CheckShift(dx, width, nameof(dx));
        CheckShift(dy, height, nameof(dy));

        // Source position x − dx = x + ix + tx with integer ix and tx in [0, 1).
        var sx = -dx;
        var sy = -dy;
        var ix = (int)Math.Floor(sx);
        var iy = (int)Math.Floor(sy);
        var tx = (float)(sx - ix);
        var ty = (float)(sy - iy);
        var w00 = (1 - tx) * (1 - ty);
        var w10 = tx * (1 - ty);
        var w01 = (1 - tx) * ty;
        var w11 = tx * ty;

        // Columns whose two source columns x + ix and x + ix + 1 both lie inside: no clamping needed there.
        var x0 = Math.Clamp(-ix, 0, width);
        var x1 = Math.Clamp(width - 1 - ix, x0, width);
        ref var source = ref MemoryMarshal.GetReference(input);
        for (var y = 0; y < height; y++)
        {
            var r0 = Math.Clamp(y + iy, 0, height - 1) * width;
            var r1 = Math.Clamp(y + iy + 1, 0, height - 1) * width;
            var row = output.Slice(y * width, width);
            for (var x = 0; x < x0; x++)
            {
                row[x] = Sample(input, r0, r1, x + ix, width, w00, w10, w01, w11);
            }

            var xv = x0;
            if (Vector.IsHardwareAccelerated)
            {
                var v00 = new Vector<float>(w00);
                var v10 = new Vector<float>(w10);
                var v01 = new Vector<float>(w01);
                var v11 = new Vector<float>(w11);
                ref var top = ref Unsafe.Add(ref source, r0 + ix);
                ref var bottom = ref Unsafe.Add(ref source, r1 + ix);
                for (; xv <= x1 - Vector<float>.Count; xv += Vector<float>.Count)
                {
                    var i = (nuint)xv;
                    var value = (v00 * Vector.LoadUnsafe(ref top, i)) + (v10 * Vector.LoadUnsafe(ref top, i + 1))
                        + (v01 * Vector.LoadUnsafe(ref bottom, i)) + (v11 * Vector.LoadUnsafe(ref bottom, i + 1));
                    value.StoreUnsafe(ref MemoryMarshal.GetReference(row), i);
                }
            }

            for (var x = xv; x < width; x++)
            {
                row[x] = Sample(input, r0, r1, x + ix, width, w00, w10, w01, w11);
            }
        }
    }

    /// <summary>The rectangle (x, y, width, height) of output pixels whose source lies inside the input after a shift.</summary>
    public static (int X, int Y, int Width, int Height) ValidArea(int width, int height, double dx, double dy)
    {
        var left = Math.Clamp((int)Math.Ceiling(dx), 0, width);
        var right = Math.Clamp(width - 1 + (int)Math.Floor(dx), -1, width - 1);
        var top = Math.Clamp((int)Math.Ceiling(dy), 0, height);
        var bottom = Math.Clamp(height - 1 + (int)Math.Floor(dy), -1, height - 1);
        return (left, top, Math.Max(0, right - left + 1), Math.Max(0, bottom - top + 1));
    }

    private static float Sample(ReadOnlySpan<float> input, int r0, int r1, int x, int width, float w00, float w10, float w01, float w11)
    {
        var c0 = Math.Clamp(x, 0, width - 1);
        var c1 = Math.Clamp(x + 1, 0, width - 1);
        return (w00 * input[r0 + c0]) + (w10 * input[r0 + c1]) + (w01 * input[r1 + c0]) + (w11 * input[r1 + c1]);
    }

    private static void CheckShift(double shift, int size, string name)
    {
        if (!(Math.Abs(shift) < size))
        {
            throw new ArgumentOutOfRangeException(name, shift, string.Create(CultureInfo.InvariantCulture,
                $"Shift {name} = {shift} px must be finite and smaller than the image ({size} px)."));
        }
    }
}
