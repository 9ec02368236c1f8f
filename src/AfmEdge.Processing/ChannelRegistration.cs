using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AfmEdge.Core;

namespace AfmEdge.Processing;

/// <summary>What <see cref="ChannelRegistration"/> correlates.</summary>
public enum RegistrationFeature
{
    /// <summary>The (row-aligned) values themselves: for two images of the same quantity, e.g. trace and retrace height.</summary>
    Intensity,

    /// <summary>
    /// The gradient magnitude of the row-aligned values: for different quantities that share edges but not values
    /// (a probe's current or potential against topography; their sign and scale may differ per region).
    /// </summary>
    Gradient,
}

/// <summary>Settings of a phase-correlation shift estimate.</summary>
public sealed record RegistrationOptions
{
    public RegistrationFeature Feature { get; init; } = RegistrationFeature.Gradient;

    /// <summary>
    /// Below this confidence (see <see cref="RegistrationShift.Confidence"/>) the match is ambiguous and the shift
    /// is refused (0–1).
    /// </summary>
    public double MinConfidence { get; init; } = 0.3;

    /// <summary>Largest |shift| searched along each axis, as a fraction of that axis (0–0.5).</summary>
    public double MaxShiftFraction { get; init; } = 0.25;

    /// <summary>
    /// The whitened cross-power spectrum is weighted by exp(−(f/f₀)²), f in cycles per pixel: it suppresses the noise
    /// that whitening lifts at high frequencies and makes the correlation peak a Gaussian of σ = 1/(√2·π·f₀) pixels, so a
    /// three-point Gaussian fit places it to a small fraction of a pixel (0.05–0.5).
    /// </summary>
    public double CutoffFrequency { get; init; } = 0.2;

    /// <summary>
    /// Frames larger than 256² per axis: the fine pass averages this many 256² windows, those with most structure
    /// (1–9). Probes record different fields that share only their edges, and each field's own texture and noise pull
    /// the peak at random: with one window (a quarter of a 512² simulator frame) that spread reached 0.14 px, with two
    /// 0.11 px, with three it stays within 0.1 px. Each window adds three single-precision transforms and the features
    /// of its images; all windows are correlated together on both cores.
    /// </summary>
    public int FineWindows { get; init; } = 3;

    public void Validate()
    {
        if (FineWindows is < 1 or > 9)
        {
            throw new ArgumentOutOfRangeException(nameof(FineWindows), FineWindows, "Fine windows must be 1 to 9.");
        }

        if (!Enum.IsDefined(Feature))
        {
            throw new ArgumentOutOfRangeException(nameof(Feature), Feature, "Registration feature must be Intensity or Gradient.");
        }

        if (!(MinConfidence >= 0 && MinConfidence <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MinConfidence), MinConfidence, "Minimum confidence must be in [0, 1].");
        }

        if (!(MaxShiftFraction > 0 && MaxShiftFraction <= 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxShiftFraction), MaxShiftFraction, "Maximum shift fraction must be in (0, 0.5].");
        }

        if (!(CutoffFrequency >= 0.05 && CutoffFrequency <= 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(CutoffFrequency), CutoffFrequency, "Cutoff frequency must be in [0.05, 0.5] cycles per pixel.");
        }
    }
}

/// <summary>
/// The displacement of a moving image against a reference, in pixels: moving(x, y) ≈ reference(x − Dx, y − Dy), so
/// features appear Dx pixels further right and Dy further down in the moving image; shifting the moving image by
/// (−Dx, −Dy) registers it. <see cref="Confidence"/> is 1 − (second peak / main peak) of the correlation surface: near 0
/// when the surface has no single distinct peak (no structure, or a repetitive one). <see cref="Accepted"/> is false
/// when it fell below the options' minimum; the shift is then not to be used.
/// </summary>
public readonly record struct RegistrationShift(double Dx, double Dy, double Confidence, bool Accepted)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"dx={Dx:F2} dy={Dy:F2} px, confidence {Confidence:F2}{(Accepted ? string.Empty : " (refused)")}");
}

/// <summary>
/// Sub-pixel image registration by phase correlation: both images are row-aligned (median), optionally turned into
/// gradient magnitudes, Hann-windowed and transformed in pairs (one complex FFT of a + i·b gives both spectra); each
/// cross-power spectrum against the reference is whitened and Gaussian-weighted, two of them are transformed back
/// together (their correlation surfaces are real), and the peak is located within the search range and refined by a
/// three-point Gaussian fit along each axis.
/// </summary>
/// <remarks>
/// A window fixed on the grid pulls the estimate towards zero (both windows match best unshifted) by ~1–2 % of the
/// shift, so the moving image's window must follow the shift. A first, coarse estimate on 4×4 (or 2×2) binned feature
/// images (16× cheaper) places the windows; the full-resolution pass then sees a residual below a pixel, whose pull is
/// well under 0.01 px. Small images, where binning would leave too little, run the full-resolution pass twice instead.
/// Several moving images against one reference share the reference's feature and spectrum; the feature images (of
/// every fine window at once) are made on both cores, and the correlations run in <see cref="PhaseCorrelation"/>, in
/// single precision. Features are scaled to unit RMS, which whitening ignores but which keeps two images packed in one
/// transform on a comparable scale.
/// </remarks>
public static class ChannelRegistration
{
    // The coarse pass bins by the largest of 4 or 2 that leaves at least this many pixels along each axis.
    private const int MinCoarseSize = 64;

    // Row offsets for the features are medians of every AlignStride-th pixel of a row (of rows at least 64 samples long).
    private const int AlignStride = 4;

    // The fine pass works on windows of at most this many pixels per axis (or a quarter of the axis, if larger).
    private const int MaxFineWidth = 256;
    private const int MaxFineHeight = 256;


    // Feature images of a grid at least this large are made in parallel.
    private const int ParallelPixels = 64 * 1024;

    public static RegistrationShift Estimate(Channel reference, Channel moving, RegistrationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(moving);
        return Estimate(reference, [moving], options)[0];
    }

    /// <summary>Each of <paramref name="moving"/> against one reference (the reference's feature and spectrum are made once).</summary>
    public static RegistrationShift[] Estimate(Channel reference, IReadOnlyList<Channel> moving, RegistrationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(moving);
        var data = new ReadOnlyMemory<float>[moving.Count];
        for (var i = 0; i < moving.Count; i++)
        {
            var m = moving[i];
            ArgumentNullException.ThrowIfNull(m, nameof(moving));
            if (reference.Width != m.Width || reference.Height != m.Height)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Channel '{m.Descriptor.Key}' is {m.Width}×{m.Height} but reference '{reference.Descriptor.Key}' is {reference.Width}×{reference.Height}; registration needs one grid."),
                    nameof(moving));
            }

            data[i] = m.Memory;
        }

        return Estimate(reference.Memory, data, reference.Width, reference.Height, options);
    }

    public static RegistrationShift Estimate(ReadOnlySpan<float> reference, ReadOnlySpan<float> moving, int width, int height, RegistrationOptions? options = null)
    {
        Grid.Check(reference.Length, moving.Length, width, height);
        return Estimate(reference.ToArray(), [moving.ToArray()], width, height, options)[0];
    }

    /// <summary>Each of <paramref name="moving"/> (row-major width × height grids) against <paramref name="reference"/>.</summary>
    public static RegistrationShift[] Estimate(ReadOnlyMemory<float> reference, IReadOnlyList<ReadOnlyMemory<float>> moving, int width, int height, RegistrationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(moving);
        options ??= new RegistrationOptions();
        options.Validate();
        if (width < 8 || height < 8)
        {
            throw new ArgumentOutOfRangeException(nameof(width), string.Create(CultureInfo.InvariantCulture,
                $"Registration needs at least 8×8 pixels; the grid is {width}×{height}."));
        }

        foreach (var m in moving)
        {
            Grid.Check(reference.Length, m.Length, width, height);
        }

        var results = new RegistrationShift[moving.Count];
        if (moving.Count == 0)
        {
            return results;
        }

        var factor = CoarseFactor(width, height);
        var (cropWidth, cropHeight) = (FineSize(width, MaxFineWidth), FineSize(height, MaxFineHeight));
        var images = moving.Count + 1;
        ReadOnlySpan<float> Source(int i) => (i == 0 ? reference : moving[i - 1]).Span;

        // Coarse: the images binned, their features, one correlation over the whole field (it also judges ambiguity).
        var wc = width / factor;
        var hc = height / factor;
        using var coarseFeatures = new FeatureSet(images, wc * hc);
        coarseFeatures.Make(i =>
        {
            if (factor == 1)
            {
                return Source(i);
            }

            Bin(Source(i), coarseFeatures.Scratch(i), width, wc, hc, factor);
            return coarseFeatures.Scratch(i);
        }, wc, hc, options.Feature);
        var live = new List<int>();
        for (var i = 1; i < images; i++)
        {
            // A flat (or wholly non-finite) image has nothing to register on.
            if (coarseFeatures.Usable[0] && coarseFeatures.Usable[i])
            {
                live.Add(i);
            }
        }

        if (live.Count == 0)
        {
            return results;
        }

        var coarse = Correlate(coarseFeatures.Select(0, live), wc, hc, new RegistrationShift[live.Count], options);
        for (var k = 0; k < coarse.Length; k++)
        {
            coarse[k] = coarse[k] with { Dx = coarse[k].Dx * factor, Dy = coarse[k].Dy * factor };
        }

        if (factor == 1)
        {
            // Too small to bin: the first full-resolution estimate places the windows of a second; if that finds a
            // different peak the match is not stable, and the first (with its confidence) stands.
            var second = Correlate(coarseFeatures.Select(0, live), width, height, coarse, options);
            for (var k = 0; k < live.Count; k++)
            {
                var unstable = Math.Abs(second[k].Dx - coarse[k].Dx) > 2 || Math.Abs(second[k].Dy - coarse[k].Dy) > 2;
                results[live[k] - 1] = unstable ? coarse[k] : second[k];
            }

            return results;
        }

        // Fine: full resolution on a window of at most MaxFineWidth × MaxFineHeight pixels where the reference has the most structure,
        // each moving window offset by its whole-pixel coarse shift, so only a sub-pixel residual is left to find (a
        // refused coarse estimate offsets nothing). Its confidence and the coarse one must both pass.
        var offsets = coarse.Select(c => c.Accepted ? ((int)Math.Round(c.Dx), (int)Math.Round(c.Dy)) : (0, 0)).ToArray();
        var origins = cropWidth < width || cropHeight < height
            ? CropOrigins(coarseFeatures.Feature(0), wc, hc, factor, width, height, cropWidth, cropHeight, offsets, options.FineWindows)
            : [];
        if (origins.Count == 0)
        {
            // The whole image at full resolution, each moving window following its coarse shift.
            using var full = new FeatureSet(images, width * height);
            full.Make(Source, width, height, options.Feature);
            var windows = coarse.Select(c => c.Accepted ? c : default).ToArray();
            var whole = Correlate(full.Select(0, live), width, height, windows, options);
            for (var k = 0; k < live.Count; k++)
            {
                var confidence = Math.Min(whole[k].Confidence, coarse[k].Confidence);
                results[live[k] - 1] = whole[k] with { Confidence = confidence, Accepted = confidence >= options.MinConfidence && full.Usable[live[k]] };
            }

            return results;
        }

        var residualWindows = new RegistrationShift[live.Count];
        for (var k = 0; k < live.Count; k++)
        {
            residualWindows[k] = coarse[k].Accepted ? coarse[k] with { Dx = coarse[k].Dx - offsets[k].Item1, Dy = coarse[k].Dy - offsets[k].Item2 } : default;
        }

        // Each window's residual, averaged over the windows where both images have structure; the lowest confidence stands.
        var sumX = new double[live.Count];
        var sumY = new double[live.Count];
        var counts = new int[live.Count];
        var lowest = coarse.Select(c => c.Confidence).ToArray();

        // Every window's features at once (both cores share the windows × images jobs), then every window's correlation.
        var perWindow = live.Count + 1;
        using var fineFeatures = new FeatureSet(origins.Count * perWindow, cropWidth * cropHeight);
        fineFeatures.Make(index =>
        {
            var (window, i) = Math.DivRem(index, perWindow);
            var (originX, originY) = origins[window];
            var (ox, oy) = i == 0 ? (0, 0) : offsets[i - 1];
            var crop = fineFeatures.Scratch(index);
            var source = Source(i == 0 ? 0 : live[i - 1]);
            for (var y = 0; y < cropHeight; y++)
            {
                source.Slice(((originY + oy + y) * width) + originX + ox, cropWidth).CopyTo(crop.Slice(y * cropWidth, cropWidth));
            }

            return crop;
        }, cropWidth, cropHeight, options.Feature);
        var problems = new List<PhaseCorrelation.Problem>();
        var problemLive = new List<List<int>>();
        for (var window = 0; window < origins.Count; window++)
        {
            var first = window * perWindow;
            var fineLive = Enumerable.Range(1, live.Count).Where(i => fineFeatures.Usable[first] && fineFeatures.Usable[first + i]).ToList();
            if (fineLive.Count > 0)
            {
                problems.Add(new PhaseCorrelation.Problem(fineFeatures.Select(first, fineLive), [.. fineLive.Select(i => residualWindows[i - 1])]));
                problemLive.Add(fineLive);
            }
        }

        var fine = PhaseCorrelation.Correlate(problems, cropWidth, cropHeight, options);
        for (var p = 0; p < problems.Count; p++)
        {
            for (var f = 0; f < problemLive[p].Count; f++)
            {
                var k = problemLive[p][f] - 1;
                sumX[k] += fine[p][f].Dx;
                sumY[k] += fine[p][f].Dy;
                counts[k]++;
                lowest[k] = Math.Min(lowest[k], fine[p][f].Confidence);
            }
        }

        for (var k = 0; k < live.Count; k++)
        {
            if (counts[k] > 0)
            {
                results[live[k] - 1] = new RegistrationShift(offsets[k].Item1 + (sumX[k] / counts[k]), offsets[k].Item2 + (sumY[k] / counts[k]), lowest[k], lowest[k] >= options.MinConfidence);
            }
        }

        return results;
    }

    /// <summary>The fine pass's window along an axis: the whole axis up to <paramref name="max"/>, else a quarter of it but at least that.</summary>
    private static int FineSize(int n, int max) => n <= max ? n : Math.Max(max, n / 4);

    /// <summary>
    /// Where the reference's fine windows go: of a 3 × 3 grid of positions that keep every offset moving window inside
    /// the image, the <paramref name="count"/> whose coarse features have the most energy (the central one first on
    /// ties, e.g. a flat field); none when no position fits.
    /// </summary>
    private static List<(int X, int Y)> CropOrigins(ReadOnlySpan<float> feature, int wc, int hc, int factor, int width, int height, int cropWidth, int cropHeight, (int Dx, int Dy)[] offsets, int count)
    {
        var minX = Math.Max(0, -offsets.Min(o => o.Dx));
        var maxX = width - cropWidth - Math.Max(0, offsets.Max(o => o.Dx));
        var minY = Math.Max(0, -offsets.Min(o => o.Dy));
        var maxY = height - cropHeight - Math.Max(0, offsets.Max(o => o.Dy));
        if (maxX < minX || maxY < minY)
        {
            return [];
        }

        var candidates = new List<(double Energy, int X, int Y)>();
        for (var j = 0; j < 3; j++)
        {
            var y0 = minY + ((maxY - minY) * j / 2);
            for (var i = 0; i < 3; i++)
            {
                var x0 = minX + ((maxX - minX) * i / 2);
                double energy = 0;
                for (var y = y0 / factor; y < Math.Min(hc, (y0 + cropHeight) / factor); y++)
                {
                    var from = x0 / factor;
                    var to = Math.Min(wc, (x0 + cropWidth) / factor);
                    energy += TensorPrimitives.SumOfSquares(feature.Slice((y * wc) + from, to - from));
                }

                candidates.Add((i == 1 && j == 1 ? energy * (1 + 1e-6) : energy, x0, y0));
            }
        }

        // Distinct positions only (on a small margin several grid points coincide).
        return [.. candidates.OrderByDescending(c => c.Energy).Select(c => (c.X, c.Y)).Distinct().Take(count)];
    }

    /// <summary>Feature images of one pass, pooled, made on both cores when large.</summary>
    private sealed class FeatureSet : IDisposable
    {
        private readonly float[][] _features;
        private readonly float[][] _scratch;
        private readonly int _length;

        public FeatureSet(int images, int length)
        {
            _length = length;
            _features = new float[images][];
            _scratch = new float[images][];
            Usable = new bool[images];
            for (var i = 0; i < images; i++)
            {
                _features[i] = ArrayPool<float>.Shared.Rent(length);
                _scratch[i] = ArrayPool<float>.Shared.Rent(length);
            }
        }

        public bool[] Usable { get; }

        public Span<float> Scratch(int i) => _scratch[i].AsSpan(0, _length);

        public ReadOnlySpan<float> Feature(int i) => _features[i].AsSpan(0, _length);

        /// <summary>Makes feature i from the image <paramref name="source"/> returns (which may be <see cref="Scratch"/>(i)).</summary>
        public void Make(SourceOf source, int width, int height, RegistrationFeature kind)
        {
            void One(int i)
            {
                var work = ArrayPool<float>.Shared.Rent(_length);
                try
                {
                    Usable[i] = ChannelRegistration.Feature(source(i), _features[i].AsSpan(0, _length), work.AsSpan(0, _length), width, height, kind);
                }
                finally
                {
                    ArrayPool<float>.Shared.Return(work);
                }
            }

            if (_length >= ParallelPixels / 4 && _features.Length > 1)
            {
                Parallel.For(0, _features.Length, One);
            }
            else
            {
                for (var i = 0; i < _features.Length; i++)
                {
                    One(i);
                }
            }
        }

        /// <summary>Feature <paramref name="first"/> (a reference) and those <paramref name="images"/> after it, in order.</summary>
        public float[][] Select(int first, List<int> images) => [_features[first], .. images.Select(i => _features[first + i])];

        public void Dispose()
        {
            foreach (var buffer in _features.Concat(_scratch))
            {
                ArrayPool<float>.Shared.Return(buffer);
            }
        }
    }

    private delegate ReadOnlySpan<float> SourceOf(int image);

    /// <summary>One phase-correlation pass of sources[0] (the reference) against the others (<see cref="PhaseCorrelation"/>).</summary>
    private static RegistrationShift[] Correlate(float[][] sources, int width, int height, RegistrationShift[] windowShifts, RegistrationOptions options) =>
        PhaseCorrelation.Correlate([new PhaseCorrelation.Problem(sources, windowShifts)], width, height, options)[0];

    private static int CoarseFactor(int width, int height)
    {
        foreach (var f in (ReadOnlySpan<int>)[4, 2])
        {
            if (width / f >= MinCoarseSize && height / f >= MinCoarseSize)
            {
                return f;
            }
        }

        return 1;
    }

    /// <summary>
    /// Row-aligns <paramref name="data"/> and makes the mean-free feature image in <paramref name="feature"/>; false
    /// when it has no structure.
    /// </summary>
    private static bool Feature(ReadOnlySpan<float> data, Span<float> feature, Span<float> scratch, int width, int height, RegistrationFeature kind)
    {
        if (!SurfaceStatistics.AllFinite(data))
        {
            // NaN/Inf pixels (masked by the chain) take the finite mean, so they neither match nor spread.
            double sum = 0;
            var count = 0;
            foreach (var v in data)
            {
                if (float.IsFinite(v))
                {
                    sum += v;
                    count++;
                }
            }

            if (count == 0)
            {
                return false;
            }

            var fill = (float)(sum / count);
            for (var i = 0; i < data.Length; i++)
            {
                feature[i] = float.IsFinite(data[i]) ? data[i] : fill;
            }

            data = feature;
        }

        // Line offsets differ between channels and directions; left in, they would correlate as horizontal stripes.
        AlignRows(data, scratch, width, height);
        if (kind == RegistrationFeature.Intensity)
        {
            scratch.CopyTo(feature);
        }
        else
        {
            GradientMagnitude(scratch, feature, width, height);
        }

        var mean = (float)(Simd.Sum(feature) / feature.Length);
        TensorPrimitives.Subtract(feature, mean, feature);
        double scale = Math.Abs(TensorPrimitives.MaxMagnitude(feature));
        double energy = TensorPrimitives.SumOfSquares(feature);

        // Relative to the values' size: float data quantised flat still leaves rounding dust.
        if (!(scale > 0 && energy > 1e-12 * scale * scale * feature.Length))
        {
            return false;
        }

        // Unit RMS: two images share one complex transform (a + i·b), and in single precision a b a million times larger
        // than a would bury a's spectrum in b's rounding. Whitening makes the correlation blind to the scale.
        TensorPrimitives.Multiply(feature, (float)Math.Sqrt(feature.Length / energy), feature);
        return true;
    }

    /// <summary>
    /// Subtracts each row's median, taken over every <see cref="AlignStride"/>-th pixel: registration needs the line
    /// offsets gone, not Gwyddion's exact median, and a quarter of the row gives it at a quarter of the cost.
    /// </summary>
    private static void AlignRows(ReadOnlySpan<float> data, Span<float> output, int width, int height)
    {
        var stride = width >= 64 * AlignStride ? AlignStride : 1;
        var count = (width + stride - 1) / stride;
        var buffer = ArrayPool<float>.Shared.Rent(count);
        try
        {
            var sample = buffer.AsSpan(0, count);
            for (var y = 0; y < height; y++)
            {
                var row = data.Slice(y * width, width);
                for (var i = 0; i < count; i++)
                {
                    sample[i] = row[i * stride];
                }

                TensorPrimitives.Subtract(row, Selection.Median(sample), output.Slice(y * width, width));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>|∇f| by central differences (one-sided at the edges), in units per pixel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GradientMagnitude(ReadOnlySpan<float> data, Span<float> output, int width, int height)
    {
        ref var d = ref MemoryMarshal.GetReference(data);
        ref var o = ref MemoryMarshal.GetReference(output);
        var lanes = Vector<float>.Count;
        for (var y = 0; y < height; y++)
        {
            var up = y > 0 ? y - 1 : y;
            var down = y < height - 1 ? y + 1 : y;
            var dyScale = 1f / (down - up);
            var row = y * width;
            for (var x = 0; x < width; x++)
            {
                if (x == 1 && Vector.IsHardwareAccelerated)
                {
                    // Interior columns: both neighbours exist, one vector of pixels at a time.
                    var half = new Vector<float>(0.5f);
                    var vy = new Vector<float>(dyScale);
                    for (; x <= width - 1 - lanes; x += lanes)
                    {
                        var gx = (Vector.LoadUnsafe(ref d, (nuint)(row + x + 1)) - Vector.LoadUnsafe(ref d, (nuint)(row + x - 1))) * half;
                        var gy = (Vector.LoadUnsafe(ref d, (nuint)((down * width) + x)) - Vector.LoadUnsafe(ref d, (nuint)((up * width) + x))) * vy;
                        Vector.SquareRoot((gx * gx) + (gy * gy)).StoreUnsafe(ref o, (nuint)(row + x));
                    }

                    if (x >= width)
                    {
                        break;
                    }
                }

                var left = x > 0 ? x - 1 : x;
                var right = x < width - 1 ? x + 1 : x;
                var gxs = (Unsafe.Add(ref d, row + right) - Unsafe.Add(ref d, row + left)) / (right - left);
                var gys = (Unsafe.Add(ref d, (down * width) + x) - Unsafe.Add(ref d, (up * width) + x)) * dyScale;
                Unsafe.Add(ref o, row + x) = MathF.Sqrt((gxs * gxs) + (gys * gys));
            }
        }
    }

    /// <summary>Mean of each factor × factor block (the remainder rows and columns are left out).</summary>
    private static void Bin(ReadOnlySpan<float> input, Span<float> output, int width, int w, int h, int factor)
    {
        var scale = 1f / (factor * factor);
        var buffer = ArrayPool<float>.Shared.Rent(w * factor);
        try
        {
            // The block's rows summed as whole rows (vectorised), then each run of factor columns of that sum.
            var rows = buffer.AsSpan(0, w * factor);
            for (var y = 0; y < h; y++)
            {
                input.Slice(y * factor * width, w * factor).CopyTo(rows);
                for (var j = 1; j < factor; j++)
                {
                    TensorPrimitives.Add(rows, input.Slice(((y * factor) + j) * width, w * factor), rows);
                }

                var target = output.Slice(y * w, w);
                for (var x = 0; x < w; x++)
                {
                    var block = rows.Slice(x * factor, factor);
                    var sum = 0f;
                    foreach (var v in block)
                    {
                        sum += v;
                    }

                    target[x] = sum * scale;
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }
}
