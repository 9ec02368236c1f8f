using System.Buffers;
using System.Globalization;
using System.Numerics;
using AfmEdge.Core;

namespace AfmEdge.Processing;

/// <summary>Settings of the per-line trace/retrace lag estimate (<see cref="LineRegistration"/>).</summary>
public sealed record LineLagOptions
{
    /// <summary>Largest deviation of a line's lag from the frame's global shift that is searched, pixels (1–64).</summary>
    public int MaxDeviation { get; init; } = 4;

    /// <summary>Lines in the robust smoothing window (odd, 1–101): a line's lag is the mean of the inliers around it.</summary>
    public int SmoothingLines { get; init; } = 9;

    /// <summary>
    /// A line whose phase coherence (see <see cref="LineLags.Confidence"/>) is below this is not used (0–1): lines of
    /// unrelated noise reach about 0.3.
    /// </summary>
    public double MinConfidence { get; init; } = 0.5;

    /// <summary>Minimum confidence of the whole-image shift the search is centred on; below it nothing is registered (0–1).</summary>
    public double GlobalMinConfidence { get; init; } = 0.3;

    /// <summary>
    /// A line's lag further than this many robust standard deviations (1.4826 × median absolute deviation) from the
    /// running median of its neighbours is an outlier (≥ 1).
    /// </summary>
    public double OutlierSigmas { get; init; } = 3;

    /// <summary>The phase fit weights frequency f (cycles per pixel) by exp(−(f/f₀)²): high frequencies are mostly noise (0.05–0.5).</summary>
    public double CutoffFrequency { get; init; } = 0.25;

    public void Validate()
    {
        if (MaxDeviation is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDeviation), MaxDeviation, "Maximum per-line deviation must be 1 to 64 pixels.");
        }

        if (SmoothingLines is < 1 or > 101 || SmoothingLines % 2 == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(SmoothingLines), SmoothingLines, "Smoothing window must be an odd number of lines from 1 to 101.");
        }

        if (!(MinConfidence >= 0 && MinConfidence <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MinConfidence), MinConfidence, "Minimum confidence must be in [0, 1].");
        }

        if (!(GlobalMinConfidence >= 0 && GlobalMinConfidence <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(GlobalMinConfidence), GlobalMinConfidence, "Minimum global confidence must be in [0, 1].");
        }

        if (!(OutlierSigmas >= 1 && double.IsFinite(OutlierSigmas)))
        {
            throw new ArgumentOutOfRangeException(nameof(OutlierSigmas), OutlierSigmas, "Outlier threshold must be at least 1 robust standard deviation.");
        }

        if (!(CutoffFrequency >= 0.05 && CutoffFrequency <= 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(CutoffFrequency), CutoffFrequency, "Cutoff frequency must be in [0.05, 0.5] cycles per pixel.");
        }
    }
}

/// <summary>
/// Per-line displacement of retrace against trace along the fast axis, pixels, in the sense of
/// <see cref="RegistrationShift.Dx"/>: retrace row y ≈ trace row y moved <see cref="Lag"/>[y] pixels to the right.
/// <see cref="Raw"/> is each line's own estimate and <see cref="Confidence"/> its phase coherence (1: every frequency
/// agrees on one shift; near 0: no common structure); <see cref="Used"/> marks lines that passed the confidence and the
/// outlier test; <see cref="Lag"/> is the smoothed result for every line (lines not used take it from their neighbours).
/// <see cref="Global"/> is the whole-image estimate the search was centred on.
/// </summary>
public sealed class LineLags
{
    internal LineLags(double[] raw, double[] confidence, bool[] used, double[] lag, RegistrationShift global)
    {
        Raw = raw;
        Confidence = confidence;
        Used = used;
        Lag = lag;
        Global = global;
    }

    public IReadOnlyList<double> Raw { get; }

    public IReadOnlyList<double> Confidence { get; }

    public IReadOnlyList<bool> Used { get; }

    public IReadOnlyList<double> Lag { get; }

    public RegistrationShift Global { get; }

    /// <summary>Lines whose own estimate was used.</summary>
    public int UsedCount => Used.Count(u => u);

    /// <summary>False when no line could be used: <see cref="Lag"/> is then all zero and nothing is to be moved.</summary>
    public bool Accepted => UsedCount > 0;

    public override string ToString()
    {
        if (!Accepted)
        {
            return string.Create(CultureInfo.InvariantCulture, $"per-line lag refused (no line above the confidence; global {Global})");
        }

        var sorted = Lag.Order().ToArray();
        return string.Create(CultureInfo.InvariantCulture,
            $"per-line lag median {sorted[sorted.Length / 2]:F2} px (min {sorted[0]:F2}, max {sorted[^1]:F2}), {UsedCount}/{Lag.Count} lines used, mean confidence {Confidence.Average():F2}; global {Global}");
    }
}

/// <summary>
/// Trace/retrace registration line by line. The frame's global shift (<see cref="ChannelRegistration"/>, intensity)
/// centres the search; each line pair is then matched on its own: the integer lag by normalised cross-correlation of
/// the rows' first differences within ±<see cref="LineLagOptions.MaxDeviation"/>, the sub-pixel rest by a weighted
/// least-squares fit of the cross-power spectrum's phase against frequency (phase = −2π·f·lag for a pure shift, so
/// the fit has none of the bias a peak interpolation has), on detrended, Hann-windowed rows aligned by that integer
/// lag. Each line's coherence of the residual phases is its confidence. Lines below the confidence, and lines further
/// than <see cref="LineLagOptions.OutlierSigmas"/> robust deviations from the running median, are dropped; the rest
/// are averaged over the smoothing window with only the values near the window's median (so a step in the lag stays
/// a step), and lines left without a value are interpolated from the nearest ones.
/// </summary>
public static class LineRegistration
{
    // Lines are split over the cores above this many pixels.
    private const int ParallelPixels = 64 * 1024;

    // The inlier tolerance never drops below this (pixels): per-line noise of a clean frame is far smaller, and a
    // tolerance of zero would reject everything.
    private const double MinTolerance = 0.05;

    // The running median moving by more than this between two lines (pixels, or the outlier tolerance if more) is a step of the lag.
    private const double MinJump = 0.3;

    public static LineLags Estimate(Channel trace, Channel retrace, LineLagOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(retrace);
        if (trace.Width != retrace.Width || trace.Height != retrace.Height)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Retrace '{retrace.Descriptor.Key}' is {retrace.Width}×{retrace.Height} but trace '{trace.Descriptor.Key}' is {trace.Width}×{trace.Height}; per-line registration needs one grid."),
                nameof(retrace));
        }

        return Estimate(trace.Data, retrace.Data, trace.Width, trace.Height, options);
    }

    public static LineLags Estimate(ReadOnlySpan<float> trace, ReadOnlySpan<float> retrace, int width, int height, LineLagOptions? options = null)
    {
        options ??= new LineLagOptions();
        options.Validate();
        Grid.Check(trace.Length, retrace.Length, width, height);
        if (width < 8 || height < 8)
        {
            throw new ArgumentOutOfRangeException(nameof(width), string.Create(CultureInfo.InvariantCulture,
                $"Per-line registration needs at least 8×8 pixels; the grid is {width}×{height}."));
        }

        var traceData = trace.ToArray();
        var retraceData = retrace.ToArray();
        var global = ChannelRegistration.Estimate(traceData, [retraceData], width, height,
            new RegistrationOptions { Feature = RegistrationFeature.Intensity, MinConfidence = options.GlobalMinConfidence })[0];
        var centre = (int)Math.Round(global.Dx);
        var reach = Math.Abs(centre) + options.MaxDeviation + 1;
        var length = width - (2 * reach);
        if (length < 8)
        {
            throw new ArgumentOutOfRangeException(nameof(width), string.Create(CultureInfo.InvariantCulture,
                $"Per-line registration: rows of {width} px leave {length} px to compare after the search range ±{reach} px; the global shift was {global}."));
        }

        var raw = new double[height];
        var confidence = new double[height];
        if (!global.Accepted)
        {
            // No common structure over the whole image: no line is trusted on its own.
            Array.Fill(raw, double.NaN);
            return new LineLags(raw, confidence, new bool[height], new double[height], global);
        }

        var chunks = (long)width * height >= ParallelPixels ? Math.Min(Environment.ProcessorCount, height) : 1;
        void Lines(int chunk)
        {
            using var line = new LinePair(width, length, reach, options);
            for (var y = chunk * height / chunks; y < (chunk + 1) * height / chunks; y++)
            {
                (raw[y], confidence[y]) = line.Estimate(traceData.AsSpan(y * width, width), retraceData.AsSpan(y * width, width), centre);
            }
        }

        if (chunks > 1)
        {
            Parallel.For(0, chunks, Lines);
        }
        else
        {
            Lines(0);
        }

        var (lag, used) = Smooth(raw, confidence, options);
        return new LineLags(raw, confidence, used, lag, global);
    }

    /// <summary>Moves each row of <paramref name="retrace"/> by −lag (linear interpolation, the edge value repeated beyond it).</summary>
    public static Channel Apply(Channel retrace, IReadOnlyList<double> lags)
    {
        ArgumentNullException.ThrowIfNull(retrace);
        ArgumentNullException.ThrowIfNull(lags);
        var output = new float[retrace.Data.Length];
        Apply(retrace.Data, output, retrace.Width, retrace.Height, [.. lags]);
        return retrace.WithData(retrace.Width, retrace.Height, output);
    }

    /// <summary>output(x, y) = input(x + lags[y], y), linearly interpolated along the row, the source clamped to the row.</summary>
    public static void Apply(ReadOnlySpan<float> input, Span<float> output, int width, int height, ReadOnlySpan<double> lags)
    {
        Grid.Check(input.Length, output.Length, width, height);
        if (lags.Length != height)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{lags.Length} lags given for {height} rows; one per row is needed."), nameof(lags));
        }

        for (var y = 0; y < height; y++)
        {
            var lag = lags[y];
            if (!(Math.Abs(lag) < width))
            {
                throw new ArgumentOutOfRangeException(nameof(lags), lag, string.Create(CultureInfo.InvariantCulture,
                    $"Lag of row {y} = {lag} px must be finite and smaller than the row ({width} px)."));
            }

            var row = input.Slice(y * width, width);
            var target = output.Slice(y * width, width);
            var shift = (int)Math.Floor(lag);
            var t = (float)(lag - shift);
            var w0 = 1 - t;

            // Columns whose two source samples x + shift and x + shift + 1 both lie inside: no clamping there.
            var x0 = Math.Clamp(-shift, 0, width);
            var x1 = Math.Clamp(width - 1 - shift, x0, width);
            for (var x = 0; x < x0; x++)
            {
                target[x] = Clamped(row, x + shift, w0, t);
            }

            if (x1 > x0)
            {
                var o = target[x0..x1];
                System.Numerics.Tensors.TensorPrimitives.Multiply(row.Slice(x0 + shift, x1 - x0), w0, o);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(row.Slice(x0 + shift + 1, x1 - x0), t, o, o);
            }

            for (var x = x1; x < width; x++)
            {
                target[x] = Clamped(row, x + shift, w0, t);
            }
        }

        static float Clamped(ReadOnlySpan<float> row, int source, float w0, float t) =>
            (w0 * row[Math.Clamp(source, 0, row.Length - 1)]) + (t * row[Math.Clamp(source + 1, 0, row.Length - 1)]);
    }

    /// <summary>
    /// Drops unconfident lines and outliers (far from the running median), then fits a straight line through the
    /// remaining lines of each window that lie on the same side of every jump of the running median (so a step in the
    /// lag stays a step and a ramp is followed without bias, at the frame's ends too); lines left without any take
    /// the interpolation of their neighbours.
    /// </summary>
    internal static (double[] Lag, bool[] Used) Smooth(double[] raw, double[] confidence, LineLagOptions options)
    {
        var n = raw.Length;
        var half = options.SmoothingLines / 2;
        var used = new bool[n];
        for (var y = 0; y < n; y++)
        {
            used[y] = confidence[y] >= options.MinConfidence && double.IsFinite(raw[y]);
        }

        var median = new double[n];
        var window = new List<double>(options.SmoothingLines);
        for (var y = 0; y < n; y++)
        {
            window.Clear();
            for (var j = Math.Max(0, y - half); j <= Math.Min(n - 1, y + half); j++)
            {
                if (used[j])
                {
                    window.Add(raw[j]);
                }
            }

            median[y] = window.Count > 0 ? Median(window) : double.NaN;
        }

        if (!used.Contains(true))
        {
            return (new double[n], used);
        }

        // Segments between jumps of the running median larger than a smooth lag moves in one line.
        var spread = Enumerable.Range(0, n).Where(y => used[y]).Select(y => Math.Abs(raw[y] - median[y])).ToList();
        var jump = Math.Max(MinJump, options.OutlierSigmas * 1.4826 * Median(spread));
        var segment = new int[n];
        var last = double.NaN;
        for (var y = 0; y < n; y++)
        {
            segment[y] = y == 0 ? 0 : segment[y - 1];
            if (double.IsNaN(median[y]))
            {
                continue;
            }

            if (!double.IsNaN(last) && Math.Abs(median[y] - last) > jump)
            {
                segment[y]++;
            }

            last = median[y];
        }

        // Outliers: lines far from the straight line through their window (a median would call the lines of a
        // curved or sloped lag outliers near its extremes and at the frame's ends).
        var lag = new double[n];
        var deviations = new List<double>(n);
        for (var y = 0; y < n; y++)
        {
            lag[y] = LocalFit(raw, used, segment, y, half);
            if (used[y])
            {
                deviations.Add(Math.Abs(raw[y] - lag[y]));
            }
        }

        var tolerance = Math.Max(MinTolerance, options.OutlierSigmas * 1.4826 * Median(deviations));
        var fitted = (double[])lag.Clone();
        for (var y = 0; y < n; y++)
        {
            used[y] &= Math.Abs(raw[y] - fitted[y]) <= tolerance;
        }

        for (var y = 0; y < n; y++)
        {
            lag[y] = LocalFit(raw, used, segment, y, half);
        }

        FillGaps(lag);
        return (lag, used);
    }

    /// <summary>
    /// The least-squares line through the used lines of y's window in y's segment, at y; the mean with fewer than three
    /// lines; NaN with none.
    /// </summary>
    private static double LocalFit(double[] raw, bool[] used, int[] segment, int y, int half)
    {
        double s0 = 0, s1 = 0, s2 = 0, sz = 0, sxz = 0;
        for (var j = Math.Max(0, y - half); j <= Math.Min(raw.Length - 1, y + half); j++)
        {
            if (used[j] && segment[j] == segment[y])
            {
                double x = j - y;
                s0++;
                s1 += x;
                s2 += x * x;
                sz += raw[j];
                sxz += x * raw[j];
            }
        }

        var determinant = (s0 * s2) - (s1 * s1);
        return s0 == 0 ? double.NaN : s0 >= 3 && determinant > 1e-9 ? ((s2 * sz) - (s1 * sxz)) / determinant : sz / s0;
    }

    /// <summary>NaN runs take the linear interpolation of their neighbours (the nearest value at the ends); all NaN → 0.</summary>
    private static void FillGaps(double[] values)
    {
        var previous = -1;
        for (var y = 0; y <= values.Length; y++)
        {
            if (y < values.Length && double.IsNaN(values[y]))
            {
                continue;
            }

            if (y - previous > 1)
            {
                for (var g = previous + 1; g < y; g++)
                {
                    values[g] = (previous, y == values.Length) switch
                    {
                        (< 0, true) => 0,
                        (< 0, false) => values[y],
                        (_, true) => values[previous],
                        _ => values[previous] + ((values[y] - values[previous]) * (g - previous) / (y - previous)),
                    };
                }
            }

            previous = y;
        }
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        var m = values.Count / 2;
        return values.Count % 2 == 1 ? values[m] : 0.5 * (values[m - 1] + values[m]);
    }

    /// <summary>Scratch and the per-line estimate for one thread.</summary>
    private sealed class LinePair : IDisposable
    {
        private readonly int _width;
        private readonly int _length;
        private readonly int _reach;
        private readonly int _fftLength;
        private readonly int _maxDeviation;
        private readonly double[] _re;
        private readonly double[] _im;
        private readonly double[] _window;
        private readonly double[] _weight;
        private readonly float[] _diffTrace;
        private readonly float[] _diffRetrace;

        public LinePair(int width, int length, int reach, LineLagOptions options)
        {
            _width = width;
            _length = length;
            _reach = reach;
            _maxDeviation = options.MaxDeviation;
            _fftLength = (int)BitOperations.RoundUpToPowerOf2((uint)length);
            _re = ArrayPool<double>.Shared.Rent(_fftLength);
            _im = ArrayPool<double>.Shared.Rent(_fftLength);
            _window = new double[length];
            for (var i = 0; i < length; i++)
            {
                _window[i] = 0.5 - (0.5 * Math.Cos(2 * Math.PI * (i + 0.5) / length));
            }

            _weight = new double[(_fftLength / 2) + 1];
            for (var k = 0; k < _weight.Length; k++)
            {
                var f = k / (double)_fftLength / options.CutoffFrequency;
                _weight[k] = Math.Exp(-f * f);
            }

            _diffTrace = ArrayPool<float>.Shared.Rent(width);
            _diffRetrace = ArrayPool<float>.Shared.Rent(width);
        }

        public void Dispose()
        {
            ArrayPool<double>.Shared.Return(_re);
            ArrayPool<double>.Shared.Return(_im);
            ArrayPool<float>.Shared.Return(_diffTrace);
            ArrayPool<float>.Shared.Return(_diffRetrace);
        }

        /// <summary>The line's lag (pixels) and the coherence of its phases; (NaN, 0) when it has no structure.</summary>
        public (double Lag, double Confidence) Estimate(ReadOnlySpan<float> trace, ReadOnlySpan<float> retrace, int centre)
        {
            if (!float.IsFinite(System.Numerics.Tensors.TensorPrimitives.Sum(trace)) || !float.IsFinite(System.Numerics.Tensors.TensorPrimitives.Sum(retrace)))
            {
                return (double.NaN, 0);
            }

            var offset = IntegerLag(trace, retrace, centre);
            var (delta, coherence) = PhaseFit(trace, retrace, offset);
            if (Math.Abs(delta) > 0.5)
            {
                // The integer lag was a neighbour off (a flat correlation top): align by the nearer one and fit again.
                offset += Math.Sign(delta);
                (delta, coherence) = PhaseFit(trace, retrace, offset);
            }

            return coherence > 0 ? (offset + delta, coherence) : (double.NaN, 0);
        }

        /// <summary>The lag in centre ± MaxDeviation whose first differences correlate best (normalised).</summary>
        private int IntegerLag(ReadOnlySpan<float> trace, ReadOnlySpan<float> retrace, int centre)
        {
            var dt = _diffTrace.AsSpan(0, _width - 1);
            var dr = _diffRetrace.AsSpan(0, _width - 1);
            System.Numerics.Tensors.TensorPrimitives.Subtract(trace[1..], trace[..^1], dt);
            System.Numerics.Tensors.TensorPrimitives.Subtract(retrace[1..], retrace[..^1], dr);
            var a = dt.Slice(_reach, _length - 1);
            var normA = System.Numerics.Tensors.TensorPrimitives.Norm(a);
            var best = double.NegativeInfinity;
            var bestLag = centre;
            for (var lag = centre - _maxDeviation; lag <= centre + _maxDeviation; lag++)
            {
                var b = dr.Slice(_reach + lag, _length - 1);
                var norm = normA * System.Numerics.Tensors.TensorPrimitives.Norm(b);
                var score = norm > 0 ? System.Numerics.Tensors.TensorPrimitives.Dot(a, b) / norm : 0;
                if (score > best)
                {
                    best = score;
                    bestLag = lag;
                }
            }

            return bestLag;
        }

        /// <summary>
        /// Trace over [reach, reach + length) and retrace over the same span moved by <paramref name="offset"/>, each
        /// detrended and windowed, in one complex transform; the weighted least-squares slope of the cross-power phase
        /// (refined once on the wrapped residual) is the remaining lag, the coherence of the residual phases its confidence.
        /// </summary>
        private (double Delta, double Coherence) PhaseFit(ReadOnlySpan<float> trace, ReadOnlySpan<float> retrace, int offset)
        {
            var n = _fftLength;
            var re = _re.AsSpan(0, n);
            var im = _im.AsSpan(0, n);
            Detrended(trace.Slice(_reach, _length), re);
            Detrended(retrace.Slice(_reach + offset, _length), im);
            re[_length..].Clear();
            im[_length..].Clear();
            Fft.TransformUnscaled(re, im, inverse: false);

            // Z = FFT(t + i·r): T = (Z[k] + Z*[n−k])/2, R = (Z[k] − Z*[n−k])/(2i); P = conj(T)·R, kept in (re, im)[k].
            for (var k = 1; k < n / 2; k++)
            {
                double zr = re[k], zi = im[k], cr = re[n - k], ci = -im[n - k];
                var tr = 0.5 * (zr + cr);
                var ti = 0.5 * (zi + ci);
                var rr = 0.5 * (zi - ci);
                var ri = -0.5 * (zr - cr);
                re[k] = (tr * rr) + (ti * ri);
                im[k] = (tr * ri) - (ti * rr);
            }

            double delta = 0;
            for (var pass = 0; pass < 2; pass++)
            {
                double numerator = 0, denominator = 0;
                for (var k = 1; k < n / 2; k++)
                {
                    var magnitude = Math.Sqrt((re[k] * re[k]) + (im[k] * im[k]));
                    if (magnitude == 0)
                    {
                        continue;
                    }

                    // r(x) = t(x − d) ⇒ phase(P) = −ω·d; the residual after the current estimate, wrapped.
                    var omega = 2 * Math.PI * k / n;
                    var residual = Math.IEEERemainder(Math.Atan2(im[k], re[k]) + (omega * delta), 2 * Math.PI);
                    var w = magnitude * _weight[k];
                    numerator += w * residual * omega;
                    denominator += w * omega * omega;
                }

                if (denominator == 0)
                {
                    return (0, 0);
                }

                delta -= numerator / denominator;
            }

            double sumRe = 0, sumIm = 0, total = 0;
            for (var k = 1; k < n / 2; k++)
            {
                var magnitude = Math.Sqrt((re[k] * re[k]) + (im[k] * im[k]));
                if (magnitude == 0)
                {
                    continue;
                }

                var w = magnitude * _weight[k];
                var phase = Math.Atan2(im[k], re[k]) + (2 * Math.PI * k / n * delta);
                sumRe += w * Math.Cos(phase);
                sumIm += w * Math.Sin(phase);
                total += w;
            }

            return (delta, total > 0 ? Math.Sqrt((sumRe * sumRe) + (sumIm * sumIm)) / total : 0);
        }

        /// <summary>The segment minus its least-squares line, times the Hann window.</summary>
        private void Detrended(ReadOnlySpan<float> segment, Span<double> output)
        {
            var n = segment.Length;
            var centre = 0.5 * (n - 1);
            double sum = 0, moment = 0;
            for (var i = 0; i < n; i++)
            {
                sum += segment[i];
                moment += (i - centre) * segment[i];
            }

            var mean = sum / n;
            var slope = moment / (n * ((double)n * n - 1) / 12);
            for (var i = 0; i < n; i++)
            {
                output[i] = (segment[i] - mean - (slope * (i - centre))) * _window[i];
            }
        }
    }
}
