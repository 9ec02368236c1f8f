namespace AfmEdge.Processing;

/// <summary>
/// Plain scalar implementations of each operation, written straight from Gwyddion's definitions in double with no
/// tricks: the yardstick the SIMD code and the ILGPU kernels are tested against. Slow on purpose; not for production.
/// </summary>
public static class Reference
{
    /// <summary>Polynomial leveling by the normal equations in raw pixel indices (gwy_data_field_area_fit_polynom).</summary>
    public static float[] PolyLevel(float[] data, int width, int height, (int Px, int Py)[] terms, byte[]? exclude = null)
    {
        var n = terms.Length;
        var a = new double[n, n];
        var b = new double[n];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = (y * width) + x;
                if (exclude is not null && exclude[i] != 0)
                {
                    continue;
                }

                for (var r = 0; r < n; r++)
                {
                    var fr = Math.Pow(x, terms[r].Px) * Math.Pow(y, terms[r].Py);
                    b[r] += fr * data[i];
                    for (var c = 0; c < n; c++)
                    {
                        a[r, c] += fr * Math.Pow(x, terms[c].Px) * Math.Pow(y, terms[c].Py);
                    }
                }
            }
        }

        var coefficients = Solve(a, b);
        var output = new float[data.Length];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var z = (double)data[(y * width) + x];
                for (var t = 0; t < n; t++)
                {
                    z -= coefficients[t] * Math.Pow(x, terms[t].Px) * Math.Pow(y, terms[t].Py);
                }

                output[(y * width) + x] = (float)z;
            }
        }

        return output;
    }

    public static (int, int)[] PlaneTerms => [(0, 0), (1, 0), (0, 1)];

    public static (int, int)[] FullTerms(int degree) =>
        [.. Enumerable.Range(0, degree + 1).SelectMany(j => Enumerable.Range(0, degree + 1).Select(i => (i, j)))];

    /// <summary>Row alignment by row median / mean / trimmed mean / median of differences, as linematch.c.</summary>
    public static float[] AlignRows(float[] data, int width, int height, RowAlignmentMethod method, int degree = 1, double trim = RowAlignment.DefaultTrimFraction)
    {
        var output = new float[data.Length];
        if (method == RowAlignmentMethod.Polynomial && degree > 0)
        {
            var average = data.Select(v => (double)v).Average();
            for (var y = 0; y < height; y++)
            {
                var row = data.AsSpan(y * width, width).ToArray();
                var terms = Enumerable.Range(0, degree + 1).Select(k => (k, 0)).ToArray();
                var leveled = PolyLevel(row, width, 1, terms);
                for (var x = 0; x < width; x++)
                {
                    output[(y * width) + x] = (float)(leveled[x] + average);
                }
            }

            return output;
        }

        var shifts = new double[height];
        if (method == RowAlignmentMethod.MedianOfDifferences)
        {
            for (var y = 1; y < height; y++)
            {
                var diffs = Enumerable.Range(0, width).Select(x => data[(y * width) + x] - data[((y - 1) * width) + x]).ToArray();
                shifts[y] = shifts[y - 1] + SortedMedian(diffs);
            }

            var xs = Enumerable.Range(0, height).Select(i => (double)i).ToArray();
            var line = Solve(new double[,] { { height, xs.Sum() }, { xs.Sum(), xs.Sum(v => v * v) } },
                [shifts.Sum(), xs.Zip(shifts, (x, s) => x * s).Sum()]);
            for (var y = 0; y < height; y++)
            {
                shifts[y] -= line[0] + (line[1] * y);
            }
        }
        else
        {
            var fraction = method switch { RowAlignmentMethod.Median => 0.5, RowAlignmentMethod.TrimmedMean => trim, _ => 0.0 };
            for (var y = 0; y < height; y++)
            {
                var row = data.AsSpan(y * width, width).ToArray();
                Array.Sort(row);
                var cut = (int)Math.Floor((fraction * width) + 0.5);
                shifts[y] = (2 * cut) + 1 >= width ? row[width / 2] : row.Skip(cut).Take(width - (2 * cut)).Select(v => (double)v).Average();
            }

            var mean = shifts.Average();
            for (var y = 0; y < height; y++)
            {
                shifts[y] -= mean;
            }
        }

        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                output[(y * width) + x] = (float)(data[(y * width) + x] - shifts[y]);
            }
        }

        return output;
    }

    /// <summary>Gaussian blur by direct 1D sums in double with Gwyddion's kernel and mirror extension.</summary>
    public static float[] Gaussian(float[] data, int width, int height, double sigma)
    {
        var kernel = GaussianFilter.Kernel(sigma, width, height).Select(v => (double)v).ToArray();
        var r = kernel.Length / 2;
        var rows = new double[data.Length];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                double s = 0;
                for (var t = 0; t < kernel.Length; t++)
                {
                    s += kernel[t] * data[(y * width) + GaussianFilter.Mirror(x + t - r, width)];
                }

                rows[(y * width) + x] = s;
            }
        }

        var output = new float[data.Length];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                double s = 0;
                for (var t = 0; t < kernel.Length; t++)
                {
                    s += kernel[t] * rows[(GaussianFilter.Mirror(y + t - r, height) * width) + x];
                }

                output[(y * width) + x] = (float)s;
            }
        }

        return output;
    }

    /// <summary>N×N median by sorting each (edge-truncated) window, rank n/2, as gwy_data_field_filter_median.</summary>
    public static float[] Median(float[] data, int width, int height, int size)
    {
        var output = new float[data.Length];
        var window = new List<float>(size * size);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                window.Clear();
                for (var yy = Math.Max(0, y - ((size - 1) / 2)); yy <= Math.Min(height - 1, y + (size / 2)); yy++)
                {
                    for (var xx = Math.Max(0, x - ((size - 1) / 2)); xx <= Math.Min(width - 1, x + (size / 2)); xx++)
                    {
                        window.Add(data[(yy * width) + xx]);
                    }
                }

                window.Sort();
                output[(y * width) + x] = window[window.Count / 2];
            }
        }

        return output;
    }

    /// <summary>Mean, Sq, Sa, skew, excess kurtosis, min and max of the finite, unmasked samples.</summary>
    public static SurfaceStatistics Statistics(float[] data, byte[]? exclude = null)
    {
        var values = data.Where((v, i) => float.IsFinite(v) && (exclude is null || exclude[i] == 0)).Select(v => (double)v).ToArray();
        var mean = values.Average();
        var sq = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
        return new SurfaceStatistics(values.Length, data.Length - values.Length, mean, sq,
            values.Average(v => Math.Abs(v - mean)),
            values.Average(v => Math.Pow(v - mean, 3)) / Math.Pow(sq, 3),
            (values.Average(v => Math.Pow(v - mean, 4)) / Math.Pow(sq, 4)) - 3,
            values.Min(), values.Max());
    }

    /// <summary>The DFT by its definition, O(N²): X[k] = Σ x[n]·e^(∓2πi·kn/N), the inverse divided by N.</summary>
    public static (double[] Re, double[] Im) Dft(double[] re, double[] im, bool inverse = false)
    {
        var n = re.Length;
        var outRe = new double[n];
        var outIm = new double[n];
        var sign = inverse ? 1.0 : -1.0;
        for (var k = 0; k < n; k++)
        {
            double sr = 0, si = 0;
            for (var j = 0; j < n; j++)
            {
                // (k·j) mod n keeps the angle exact for large products.
                var angle = sign * 2 * Math.PI * ((long)k * j % n) / n;
                var (sin, cos) = Math.SinCos(angle);
                sr += (re[j] * cos) - (im[j] * sin);
                si += (re[j] * sin) + (im[j] * cos);
            }

            outRe[k] = inverse ? sr / n : sr;
            outIm[k] = inverse ? si / n : si;
        }

        return (outRe, outIm);
    }

    /// <summary>The 2D DFT by its definition (rows of length width), O((width·height)²).</summary>
    public static (double[] Re, double[] Im) Dft2D(double[] re, double[] im, int width, int height)
    {
        var outRe = new double[re.Length];
        var outIm = new double[re.Length];
        for (var ky = 0; ky < height; ky++)
        {
            for (var kx = 0; kx < width; kx++)
            {
                double sr = 0, si = 0;
                for (var y = 0; y < height; y++)
                {
                    for (var x = 0; x < width; x++)
                    {
                        var angle = -2 * Math.PI * ((((double)kx * x) / width) + (((double)ky * y) / height));
                        var (sin, cos) = Math.SinCos(angle);
                        var i = (y * width) + x;
                        sr += (re[i] * cos) - (im[i] * sin);
                        si += (re[i] * sin) + (im[i] * cos);
                    }
                }

                outRe[(ky * width) + kx] = sr;
                outIm[(ky * width) + kx] = si;
            }
        }

        return (outRe, outIm);
    }

    /// <summary>
    /// gwy_data_field_mark_scars step by step, in double, for positive and for negative scars (1 where either marks a
    /// pixel): the search down from every start row, the spread of the high threshold along each row, the removal of
    /// runs shorter than <paramref name="minLength"/>.
    /// </summary>
    public static byte[] ScarMarks(float[] data, int width, int height, double thresholdHigh = 0.666, double thresholdLow = 0.25, int minLength = 16, int maxWidth = 4)
    {
        var result = new byte[data.Length];
        foreach (var negative in new[] { false, true })
        {
            var m = ScarStrength(data, width, height, thresholdHigh, thresholdLow, minLength, maxWidth, negative);
            for (var i = 0; i < m.Length; i++)
            {
                result[i] |= m[i] > 0 ? (byte)1 : (byte)0;
            }
        }

        return result;
    }

    /// <summary>Scar removal: every marked pixel interpolated linearly along its column between the nearest unmarked pixels.</summary>
    public static float[] RemoveScars(float[] data, int width, int height)
    {
        var marks = ScarMarks(data, width, height);
        var output = (float[])data.Clone();
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                if (marks[(y * width) + x] == 0)
                {
                    continue;
                }

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

                output[(y * width) + x] = above >= 0 && below < height
                    ? (float)(data[(above * width) + x] + ((data[(below * width) + x] - (double)data[(above * width) + x]) * (y - above) / (below - above)))
                    : above >= 0 ? data[(above * width) + x] : below < height ? data[(below * width) + x] : data[(y * width) + x];
            }
        }

        return output;
    }

    private static double[] ScarStrength(float[] d, int xres, int yres, double high, double low, int minLength, int maxWidth, bool negative)
    {
        var m = new double[d.Length];
        var minLen = Math.Max(minLength, 1);
        maxWidth = Math.Min(maxWidth, yres - 2);
        high = Math.Max(high, low);
        if (minLen > xres || maxWidth < 1 || low <= 0)
        {
            return m;
        }

        double rms = 0;
        for (var i = 0; i < yres - 1; i++)
        {
            for (var j = 0; j < xres; j++)
            {
                double z = d[(i * xres) + j] - (double)d[((i + 1) * xres) + j];
                rms += z * z;
            }
        }

        rms = Math.Sqrt(rms / ((double)xres * yres));
        if (rms == 0)
        {
            return m;
        }

        for (var i = 0; i < yres - (maxWidth + 1); i++)
        {
            for (var j = 0; j < xres; j++)
            {
                double At(int k) => d[((i + k) * xres) + j];
                double level = 0, running = At(1);
                int k;
                for (k = 1; k <= maxWidth; k++)
                {
                    level = negative ? Math.Min(At(0), At(k + 1)) : Math.Max(At(0), At(k + 1));
                    running = negative ? Math.Max(running, At(k)) : Math.Min(running, At(k));
                    if ((negative ? level - running : running - level) >= low * rms)
                    {
                        break;
                    }
                }

                for (; k <= maxWidth && k > 0; k--)
                {
                    var at = ((i + k) * xres) + j;
                    m[at] = Math.Max(m[at], (negative ? level - At(k) : At(k) - level) / rms);
                }
            }
        }

        for (var i = 0; i < yres; i++)
        {
            var row = m.AsSpan(i * xres, xres);
            for (var j = 1; j < xres; j++)
            {
                if (row[j] >= low && row[j - 1] >= high)
                {
                    row[j] = high;
                }
            }

            for (var j = xres - 1; j > 0; j--)
            {
                if (row[j - 1] >= low && row[j] >= high)
                {
                    row[j - 1] = high;
                }
            }

            var length = 0;
            for (var j = 0; j <= xres; j++)
            {
                if (j < xres && row[j] >= high)
                {
                    row[j] = 1;
                    length++;
                    continue;
                }

                if (length < minLen)
                {
                    row[(j - length)..j].Clear();
                }

                if (j < xres)
                {
                    row[j] = 0;
                }

                length = 0;
            }
        }

        return m;
    }

    /// <summary>Bilinear translation output(x, y) = input(x − dx, y − dy), source clamped to the edge, in double.</summary>
    public static float[] Shift(float[] data, int width, int height, double dx, double dy)
    {
        var output = new float[data.Length];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var sx = x - dx;
                var sy = y - dy;
                var x0 = (int)Math.Floor(sx);
                var y0 = (int)Math.Floor(sy);
                var tx = sx - x0;
                var ty = sy - y0;
                double At(int xx, int yy) => data[(Math.Clamp(yy, 0, height - 1) * width) + Math.Clamp(xx, 0, width - 1)];
                output[(y * width) + x] = (float)(((1 - ty) * (((1 - tx) * At(x0, y0)) + (tx * At(x0 + 1, y0))))
                    + (ty * (((1 - tx) * At(x0, y0 + 1)) + (tx * At(x0 + 1, y0 + 1)))));
            }
        }

        return output;
    }

    /// <summary>Tip dilation pixel by pixel: I(x) = max over in-image offsets u of S(x + u) + T(c + u).</summary>
    public static float[] TipDilate(float[] surface, int width, int height, TipGrid tip)
    {
        var output = new float[surface.Length];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var best = double.NegativeInfinity;
                for (var ty = 0; ty < tip.Height; ty++)
                {
                    for (var tx = 0; tx < tip.Width; tx++)
                    {
                        var sx = x + tx - tip.CentreX;
                        var sy = y + ty - tip.CentreY;
                        if (sx >= 0 && sx < width && sy >= 0 && sy < height)
                        {
                            best = Math.Max(best, (double)surface[(sy * width) + sx] + tip[tx, ty]);
                        }
                    }
                }

                output[(y * width) + x] = (float)best;
            }
        }

        return output;
    }

    /// <summary>Tip erosion pixel by pixel: R(x) = min over in-image offsets u of I(x − u) − T(c + u).</summary>
    public static float[] TipErode(float[] image, int width, int height, TipGrid tip)
    {
        var output = new float[image.Length];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var best = double.PositiveInfinity;
                for (var ty = 0; ty < tip.Height; ty++)
                {
                    for (var tx = 0; tx < tip.Width; tx++)
                    {
                        var sx = x - (tx - tip.CentreX);
                        var sy = y - (ty - tip.CentreY);
                        if (sx >= 0 && sx < width && sy >= 0 && sy < height)
                        {
                            best = Math.Min(best, (double)image[(sy * width) + sx] - tip[tx, ty]);
                        }
                    }
                }

                output[(y * width) + x] = (float)best;
            }
        }

        return output;
    }

    /// <summary>
    /// The radial FFT filter by the definition: plane removed, even mirror extension to 2W × 2H, DFT by its sum, ideal
    /// mask, inverse DFT (as the conjugate's DFT), crop; the plane added back for the low-pass.
    /// </summary>
    public static float[] FftFilter(float[] data, int width, int height, FftFilterKind kind, double low, double high)
    {
        var leveled = PolyLevel(data, width, height, PlaneTerms);
        int w2 = 2 * width, h2 = 2 * height;
        var re = new double[w2 * h2];
        var im = new double[w2 * h2];
        for (var y = 0; y < h2; y++)
        {
            for (var x = 0; x < w2; x++)
            {
                re[(y * w2) + x] = leveled[((y < height ? y : h2 - 1 - y) * width) + (x < width ? x : w2 - 1 - x)];
            }
        }

        var (fr, fi) = Dft2D(re, im, w2, h2);
        for (var ky = 0; ky < h2; ky++)
        {
            for (var kx = 0; kx < w2; kx++)
            {
                var fx = (kx <= w2 / 2 ? kx : kx - w2) / (double)w2;
                var fy = (ky <= h2 / 2 ? ky : ky - h2) / (double)h2;
                var f = Math.Sqrt((fx * fx) + (fy * fy));
                var keep = kind switch
                {
                    FftFilterKind.LowPass => f <= low,
                    FftFilterKind.HighPass => f > low,
                    _ => f >= low && f <= high,
                };
                var i = (ky * w2) + kx;
                fr[i] = keep ? fr[i] : 0;
                fi[i] = keep ? -fi[i] : 0;
            }
        }

        var (br, _) = Dft2D(fr, fi, w2, h2);
        var output = new float[data.Length];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = (y * width) + x;
                var plane = kind == FftFilterKind.LowPass ? (double)data[i] - leveled[i] : 0;
                output[i] = (float)((br[(y * w2) + x] / (w2 * h2)) + plane);
            }
        }

        return output;
    }

    /// <summary>Row notch by the definition: each row mirrored to 2W, DFT by its sum, band zeroed, inverse DFT, crop.</summary>
    public static float[] RowNotch(float[] data, int width, int height, double low, double high)
    {
        var output = new float[data.Length];
        var n = 2 * width;
        for (var y = 0; y < height; y++)
        {
            var re = new double[n];
            for (var x = 0; x < n; x++)
            {
                re[x] = data[(y * width) + (x < width ? x : n - 1 - x)];
            }

            var (fr, fi) = Dft(re, new double[n]);
            for (var k = 0; k < n; k++)
            {
                var f = Math.Abs((k <= n / 2 ? k : k - n) / (double)n);
                if (f >= low && f <= high)
                {
                    fr[k] = 0;
                    fi[k] = 0;
                }
            }

            var (br, _) = Dft(fr, fi, inverse: true);
            for (var x = 0; x < width; x++)
            {
                output[(y * width) + x] = (float)br[x];
            }
        }

        return output;
    }

    private static double SortedMedian(float[] values)
    {
        var copy = (float[])values.Clone();
        Array.Sort(copy);
        return copy[copy.Length / 2];
    }

    /// <summary>Gaussian elimination with partial pivoting.</summary>
    private static double[] Solve(double[,] a, double[] b)
    {
        var n = b.Length;
        var m = (double[,])a.Clone();
        var r = (double[])b.Clone();
        for (var c = 0; c < n; c++)
        {
            var pivot = c;
            for (var i = c + 1; i < n; i++)
            {
                if (Math.Abs(m[i, c]) > Math.Abs(m[pivot, c]))
                {
                    pivot = i;
                }
            }

            for (var j = 0; j < n; j++)
            {
                (m[c, j], m[pivot, j]) = (m[pivot, j], m[c, j]);
            }

            (r[c], r[pivot]) = (r[pivot], r[c]);
            for (var i = c + 1; i < n; i++)
            {
                var f = m[i, c] / m[c, c];
                for (var j = c; j < n; j++)
                {
                    m[i, j] -= f * m[c, j];
                }

                r[i] -= f * r[c];
            }
        }

        var x = new double[n];
        for (var i = n - 1; i >= 0; i--)
        {
            var s = r[i];
            for (var j = i + 1; j < n; j++)
            {
                s -= m[i, j] * x[j];
            }

            x[i] = s / m[i, i];
        }

        return x;
    }
}
