using System.Globalization;

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

    public override void Run(ReadOnlySpan<float> input, Span<float> output, int width, int height, ReadOnlySpan<byte> exclude)
    {
        Check(input, output, width, height, exclude);
        var marks = Mark(input, width, height);
        input.CopyTo(output);
        for (var x = 0; x < width; x++)
        {
            var y = 0;
            while (y < height)
            {
                if (marks[(y * width) + x] == 0)
                {
                    y++;
                    continue;
                }

                var start = y;
                while (y < height && marks[(y * width) + x] != 0)
                {
                    y++;
                }

                Fill(input, output, width, x, start - 1, y, height);
            }
        }
    }

    /// <summary>1 where a pixel belongs to a positive or negative scar, else 0.</summary>
    public byte[] Mark(ReadOnlySpan<float> data, int width, int height)
    {
        Grid.Check(data.Length, data.Length, width, height);
        var result = new byte[data.Length];
        var m = new double[data.Length];
        foreach (var negative in (ReadOnlySpan<bool>)[false, true])
        {
            Array.Clear(m);
            MarkScars(data, m, width, height, negative);
            for (var i = 0; i < m.Length; i++)
            {
                if (m[i] > 0)
                {
                    result[i] = 1;
                }
            }
        }

        return result;
    }

    private static void Fill(ReadOnlySpan<float> input, Span<float> output, int width, int x, int above, int below, int height)
    {
        for (var y = above + 1; y < below; y++)
        {
            double value;
            if (above >= 0 && below < height)
            {
                var t = (double)(y - above) / (below - above);
                value = ((1 - t) * input[(above * width) + x]) + (t * input[(below * width) + x]);
            }
            else
            {
                value = above >= 0 ? input[(above * width) + x] : below < height ? input[(below * width) + x] : input[(y * width) + x];
            }

            output[(y * width) + x] = (float)value;
        }
    }

    // The marking of gwy_data_field_mark_scars, followed step by step so thresholds mean what they mean in Gwyddion.
    private void MarkScars(ReadOnlySpan<float> d, double[] m, int xres, int yres, bool negative)
    {
        var minLen = Math.Max(MinLength, 1);
        var maxWidth = Math.Min(MaxWidth, yres - 2);
        var high = Math.Max(ThresholdHigh, ThresholdLow);
        var low = ThresholdLow;
        if (minLen > xres || maxWidth < 1)
        {
            return;
        }

        double rms = 0;
        for (var i = 0; i < yres - 1; i++)
        {
            for (var j = 0; j < xres; j++)
            {
                double z = d[(i * xres) + j] - d[((i + 1) * xres) + j];
                rms += z * z;
            }
        }

        rms = Math.Sqrt(rms / (xres * yres));
        if (rms == 0)
        {
            return;
        }

        for (var i = 0; i < yres - (maxWidth + 1); i++)
        {
            for (var j = 0; j < xres; j++)
            {
                var at = (i * xres) + j;
                int k;
                if (negative)
                {
                    double top = d[at];
                    double bottom = d[at + xres];
                    for (k = 1; k <= maxWidth; k++)
                    {
                        top = Math.Min(d[at], d[at + (xres * (k + 1))]);
                        bottom = Math.Max(bottom, d[at + (xres * k)]);
                        if (top - bottom >= low * rms)
                        {
                            break;
                        }
                    }

                    if (k <= maxWidth)
                    {
                        for (; k > 0; k--)
                        {
                            m[at + (k * xres)] = Math.Max(m[at + (k * xres)], (top - d[at + (k * xres)]) / rms);
                        }
                    }
                }
                else
                {
                    double bottom = d[at];
                    double top = d[at + xres];
                    for (k = 1; k <= maxWidth; k++)
                    {
                        bottom = Math.Max(d[at], d[at + (xres * (k + 1))]);
                        top = Math.Min(top, d[at + (xres * k)]);
                        if (top - bottom >= low * rms)
                        {
                            break;
                        }
                    }

                    if (k <= maxWidth)
                    {
                        for (; k > 0; k--)
                        {
                            m[at + (k * xres)] = Math.Max(m[at + (k * xres)], (d[at + (k * xres)] - bottom) / rms);
                        }
                    }
                }
            }
        }

        for (var i = 0; i < yres; i++)
        {
            var row = i * xres;
            for (var j = 1; j < xres; j++)
            {
                if (m[row + j] >= low && m[row + j - 1] >= high)
                {
                    m[row + j] = high;
                }
            }

            for (var j = xres - 1; j > 0; j--)
            {
                if (m[row + j - 1] >= low && m[row + j] >= high)
                {
                    m[row + j - 1] = high;
                }
            }
        }

        for (var i = 0; i < yres; i++)
        {
            var row = i * xres;
            var run = 0;
            int j;
            for (j = 0; j < xres; j++)
            {
                if (m[row + j] >= high)
                {
                    m[row + j] = 1;
                    run++;
                    continue;
                }

                if (run > 0 && run < minLen)
                {
                    for (; run > 0; run--)
                    {
                        m[row + j - run] = 0;
                    }
                }

                m[row + j] = 0;
                run = 0;
            }

            if (run > 0 && run < minLen)
            {
                for (; run > 0; run--)
                {
                    m[row + j - run] = 0;
                }
            }
        }
    }
}
