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
    /// 0.11 px, with three it stays within 0.1 px; each window costs about a third of the estimate's time.
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
/// Several moving images against one reference share the reference's feature and spectrum, and the feature images are
/// made on both cores.
/// </remarks>
public static class ChannelRegistration
{
    // The second peak is looked for outside this radius (pixels) around the main one: the peak's own flanks are not rivals.
    private const int PeakExclusionRadius = 3;

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

        var coarse = Correlate(coarseFeatures.Select(live), wc, hc, new RegistrationShift[live.Count], options);
        for (var k = 0; k < coarse.Length; k++)
        {
            coarse[k] = coarse[k] with { Dx = coarse[k].Dx * factor, Dy = coarse[k].Dy * factor };
        }

        if (factor == 1)
        {
            // Too small to bin: the first full-resolution estimate places the windows of a second; if that finds a
            // different peak the match is not stable, and the first (with its confidence) stands.
            var second = Correlate(coarseFeatures.Select(live), width, height, coarse, options);
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
            var whole = Correlate(full.Select(live), width, height, windows, options);
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
        using var fineFeatures = new FeatureSet(live.Count + 1, cropWidth * cropHeight);
        foreach (var (originX, originY) in origins)
        {
            fineFeatures.Make(i =>
            {
                var (ox, oy) = i == 0 ? (0, 0) : offsets[i - 1];
                var crop = fineFeatures.Scratch(i);
                var source = Source(i == 0 ? 0 : live[i - 1]);
                for (var y = 0; y < cropHeight; y++)
                {
                    source.Slice(((originY + oy + y) * width) + originX + ox, cropWidth).CopyTo(crop.Slice(y * cropWidth, cropWidth));
                }

                return crop;
            }, cropWidth, cropHeight, options.Feature);
            var fineLive = Enumerable.Range(1, live.Count).Where(i => fineFeatures.Usable[0] && fineFeatures.Usable[i]).ToList();
            var fine = fineLive.Count == 0 ? [] : Correlate(fineFeatures.Select(fineLive), cropWidth, cropHeight, [.. fineLive.Select(i => residualWindows[i - 1])], options);
            for (var f = 0; f < fineLive.Count; f++)
            {
                var k = fineLive[f] - 1;
                sumX[k] += fine[f].Dx;
                sumY[k] += fine[f].Dy;
                counts[k]++;
                lowest[k] = Math.Min(lowest[k], fine[f].Confidence);
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

        /// <summary>The reference's feature and those of the given images, in order.</summary>
        public float[][] Select(List<int> images) => [_features[0], .. images.Select(i => _features[i])];

        public void Dispose()
        {
            foreach (var buffer in _features.Concat(_scratch))
            {
                ArrayPool<float>.Shared.Return(buffer);
            }
        }
    }

    private delegate ReadOnlySpan<float> SourceOf(int image);

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
    /// One phase-correlation pass on width × height feature images: sources[0] is the
    /// reference, sources[k + 1] the k-th moving image, whose window is centred at <paramref name="windowShifts"/>[k].
    /// </summary>
    private static RegistrationShift[] Correlate(float[][] sources, int width, int height, RegistrationShift[] windowShifts, RegistrationOptions options)
    {
        var w = width;
        var h = height;
        var results = new RegistrationShift[sources.Length - 1];
        var n = w * h;
        var images = sources.Length;
        var pairs = (images + 1) / 2;
        var re = new double[pairs][];
        var im = new double[pairs][];
        var windowX = ArrayPool<double>.Shared.Rent(w);
        var windowY = ArrayPool<double>.Shared.Rent(h);
        try
        {
            for (var p = 0; p < pairs; p++)
            {
                re[p] = ArrayPool<double>.Shared.Rent(n);
                im[p] = ArrayPool<double>.Shared.Rent(n);
            }

            for (var i = 0; i < images; i++)
            {
                ReadOnlySpan<float> feature = sources[i].AsSpan(0, n);
                var shift = i == 0 ? default : windowShifts[i - 1];
                Hann(windowX.AsSpan(0, w), shift.Dx);
                Hann(windowY.AsSpan(0, h), shift.Dy);
                var target = (i % 2 == 0 ? re : im)[i / 2].AsSpan(0, n);
                Window(feature, target, windowX.AsSpan(0, w), windowY.AsSpan(0, h), w, h);
            }

            if (images % 2 == 1)
            {
                im[pairs - 1].AsSpan(0, n).Clear();
            }

            Transform(re, im, w, h, inverse: false);
            var gx = ArrayPool<double>.Shared.Rent(w);
            var gy = ArrayPool<double>.Shared.Rent(h);
            try
            {
                FrequencyWeights(gx.AsSpan(0, w), options.CutoffFrequency);
                FrequencyWeights(gy.AsSpan(0, h), options.CutoffFrequency);
                CrossPower(re, im, images - 1, w, h, gx, gy);
            }
            finally
            {
                ArrayPool<double>.Shared.Return(gx);
                ArrayPool<double>.Shared.Return(gy);
            }

            // The cross-power spectra of moving images 2q and 2q + 1 now sit in pair q as P₂q + i·P₂q₊₁.
            var surfaces = images / 2;
            Transform(re[..surfaces], im[..surfaces], w, h, inverse: true);
            for (var k = 0; k < images - 1; k++)
            {
                var surface = (k % 2 == 0 ? re : im)[k / 2].AsSpan(0, n);
                results[k] = LocatePeak(surface, w, h, options);
            }

            return results;
        }
        finally
        {
            foreach (var buffer in re.Concat(im))
            {
                if (buffer is not null)
                {
                    ArrayPool<double>.Shared.Return(buffer);
                }
            }

            ArrayPool<double>.Shared.Return(windowX);
            ArrayPool<double>.Shared.Return(windowY);
        }
    }

    private static void Transform(double[][] re, double[][] im, int width, int height, bool inverse)
    {
        var n = width * height;
        if (re.Length > 1 && n >= ParallelPixels)
        {
            Parallel.For(0, re.Length, p => Transform(re[p].AsSpan(0, n), im[p].AsSpan(0, n), width, height, inverse));
        }
        else if (re.Length == 1 && n >= ParallelPixels)
        {
            if (inverse)
            {
                Fft2D.Inverse(re[0], im[0], width, height, parallel: true);
            }
            else
            {
                Fft2D.Forward(re[0], im[0], width, height, parallel: true);
            }
        }
        else
        {
            for (var p = 0; p < re.Length; p++)
            {
                Transform(re[p].AsSpan(0, n), im[p].AsSpan(0, n), width, height, inverse);
            }
        }
    }

    private static void Transform(Span<double> re, Span<double> im, int width, int height, bool inverse)
    {
        if (inverse)
        {
            Fft2D.Inverse(re, im, width, height);
        }
        else
        {
            Fft2D.Forward(re, im, width, height);
        }
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
        return scale > 0 && energy > 1e-12 * scale * scale * feature.Length;
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
        for (var y = 0; y < h; y++)
        {
            var target = output.Slice(y * w, w);
            target.Clear();
            for (var j = 0; j < factor; j++)
            {
                var row = input.Slice(((y * factor) + j) * width, w * factor);
                for (var x = 0; x < w; x++)
                {
                    var sum = 0f;
                    for (var i = 0; i < factor; i++)
                    {
                        sum += row[(x * factor) + i];
                    }

                    target[x] += sum;
                }
            }

            TensorPrimitives.Multiply(target, scale, target);
        }
    }

    /// <summary>output = input × Hann window (separable, rows × columns), widened to double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Window(ReadOnlySpan<float> input, Span<double> output, ReadOnlySpan<double> windowX, ReadOnlySpan<double> windowY, int width, int height)
    {
        ref var wx = ref MemoryMarshal.GetReference(windowX);
        var lanes = Vector<float>.Count;
        for (var y = 0; y < height; y++)
        {
            var wy = windowY[y];
            var row = input.Slice(y * width, width);
            var target = output.Slice(y * width, width);
            if (wy == 0)
            {
                target.Clear();
                continue;
            }

            ref var r = ref MemoryMarshal.GetReference(row);
            ref var t = ref MemoryMarshal.GetReference(target);
            var x = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var vy = new Vector<double>(wy);
                var half = Vector<double>.Count;
                for (; x <= width - lanes; x += lanes)
                {
                    var f = Vector.LoadUnsafe(ref r, (nuint)x);
                    (Vector.WidenLower(f) * vy * Vector.LoadUnsafe(ref wx, (nuint)x)).StoreUnsafe(ref t, (nuint)x);
                    (Vector.WidenUpper(f) * vy * Vector.LoadUnsafe(ref wx, (nuint)(x + half))).StoreUnsafe(ref t, (nuint)(x + half));
                }
            }

            for (; x < width; x++)
            {
                Unsafe.Add(ref t, x) = Unsafe.Add(ref r, x) * wy * Unsafe.Add(ref wx, x);
            }
        }
    }

    /// <summary>Hann window of length w.Length whose centre is moved by <paramref name="shift"/> samples (zero beyond its support).</summary>
    private static void Hann(Span<double> w, double shift)
    {
        var n = w.Length;
        for (var i = 0; i < n; i++)
        {
            var t = (i + 0.5 - shift) / n;
            w[i] = t is > 0 and < 1 ? 0.5 - (0.5 * Math.Cos(2 * Math.PI * t)) : 0;
        }
    }

    /// <summary>
    /// Pair p holds Z = FFT(image 2p + i·image 2p+1), image 0 being the reference; an image's spectrum is
    /// (Z[k] + Z*[−k])/2 (even) or (Z[k] − Z*[−k])/(2i) (odd). Writes the whitened, weighted cross-power spectra
    /// Pₖ = conj(A)·Bₖ (whose inverse transform peaks at the displacement of moving image k) as P₂q + i·P₂q₊₁ into pair
    /// q: both are Hermitian, so one inverse transform gives the two real surfaces as its real and imaginary parts.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CrossPower(double[][] re, double[][] im, int moving, int width, int height, double[] gx, double[] gy)
    {
        if (moving <= 2)
        {
            CrossPowerOneOrTwo(re, im, moving, width, height, gx, gy);
            return;
        }

        Span<double> pr = moving <= 64 ? stackalloc double[moving] : new double[moving];
        Span<double> pi = moving <= 64 ? stackalloc double[moving] : new double[moving];

        // Q[−k] = conj(Q[k]) for real images: each pair (k, −k) is computed once, from both bins, and written to both.
        for (var ky = 0; ky < height; ky++)
        {
            var my = ky == 0 ? 0 : height - ky;
            if (my < ky)
            {
                continue;
            }

            for (var kx = 0; kx < width; kx++)
            {
                var mx = kx == 0 ? 0 : width - kx;
                var i = (ky * width) + kx;
                var j = (my * width) + mx;
                if (j < i)
                {
                    continue;
                }

                var weight = gx[kx] * gy[ky];
                double ar = 0, ai = 0;
                for (var image = 0; image <= moving; image++)
                {
                    var zr = re[image / 2][i];
                    var zi = im[image / 2][i];
                    var cr = re[image / 2][j];
                    var ci = -im[image / 2][j];
                    double sr, si;
                    if (image % 2 == 0)
                    {
                        sr = 0.5 * (zr + cr);
                        si = 0.5 * (zi + ci);
                    }
                    else
                    {
                        sr = 0.5 * (zi - ci);
                        si = -0.5 * (zr - cr);
                    }

                    if (image == 0)
                    {
                        (ar, ai) = (sr, si);
                        continue;
                    }

                    var qr = (ar * sr) + (ai * si);
                    var qi = (ar * si) - (ai * sr);
                    var magnitude = Math.Sqrt((qr * qr) + (qi * qi));
                    var scale = magnitude > 0 ? weight / magnitude : 0;
                    pr[image - 1] = qr * scale;
                    pi[image - 1] = qi * scale;
                }

                for (var q = 0; 2 * q < moving; q++)
                {
                    var er = pr[2 * q];
                    var ei = pi[2 * q];
                    double or = 0, oi = 0;
                    if ((2 * q) + 1 < moving)
                    {
                        or = pr[(2 * q) + 1];
                        oi = pi[(2 * q) + 1];
                    }

                    // S = E + i·O at k; at −k: conj(E) + i·conj(O).
                    re[q][i] = er - oi;
                    im[q][i] = ei + or;
                    re[q][j] = er + oi;
                    im[q][j] = -ei + or;
                }
            }
        }

        for (var q = 0; 2 * q < moving; q++)
        {
            re[q][0] = 0;
            im[q][0] = 0;
        }
    }

    /// <summary><see cref="CrossPower"/> for one or two moving images (the chain's case), with the spans hoisted.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CrossPowerOneOrTwo(double[][] re, double[][] im, int moving, int width, int height, double[] gx, double[] gy)
    {
        var n = width * height;
        var r0 = re[0].AsSpan(0, n);
        var i0 = im[0].AsSpan(0, n);
        var two = moving == 2;
        var r1 = two ? re[1].AsSpan(0, n) : default;
        var i1 = two ? im[1].AsSpan(0, n) : default;
        for (var ky = 0; ky <= height / 2; ky++)
        {
            var my = ky == 0 ? 0 : height - ky;
            var wy = gy[ky];
            for (var kx = 0; kx < width; kx++)
            {
                var mx = kx == 0 ? 0 : width - kx;
                var i = (ky * width) + kx;
                var j = (my * width) + mx;
                if (j < i)
                {
                    continue;
                }

                // Pair 0 = reference + i·moving 0: A = (Z + Z*₋)/2, B₀ = (Z − Z*₋)/(2i).
                double zr = r0[i], zi = i0[i], cr = r0[j], ci = -i0[j];
                var ar = 0.5 * (zr + cr);
                var ai = 0.5 * (zi + ci);
                var weight = gx[kx] * wy;
                var (er, ei) = Whitened(ar, ai, 0.5 * (zi - ci), -0.5 * (zr - cr), weight);
                double or = 0, oi = 0;
                if (two)
                {
                    // Pair 1 = moving 1 + i·0: its transform is moving 1's spectrum itself.
                    (or, oi) = Whitened(ar, ai, r1[i], i1[i], weight);
                }

                // S = E + i·O at k; at −k: conj(E) + i·conj(O).
                r0[i] = er - oi;
                i0[i] = ei + or;
                r0[j] = er + oi;
                i0[j] = -ei + or;
            }
        }

        r0[0] = 0;
        i0[0] = 0;
    }

    /// <summary>conj(A)·B scaled to magnitude <paramref name="weight"/> (0 where it vanishes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (double Re, double Im) Whitened(double ar, double ai, double br, double bi, double weight)
    {
        var qr = (ar * br) + (ai * bi);
        var qi = (ar * bi) - (ai * br);
        var magnitude2 = (qr * qr) + (qi * qi);
        var scale = magnitude2 > 0 ? weight / Math.Sqrt(magnitude2) : 0;
        return (qr * scale, qi * scale);
    }

    private static void FrequencyWeights(Span<double> w, double cutoff)
    {
        var n = w.Length;
        for (var k = 0; k < n; k++)
        {
            var f = (k <= n / 2 ? k : k - n) / (double)n / cutoff;
            w[k] = Math.Exp(-f * f);
        }
    }

    private static RegistrationShift LocatePeak(ReadOnlySpan<double> surface, int width, int height, RegistrationOptions options)
    {
        var rangeX = Math.Min(Math.Max(1, (int)(options.MaxShiftFraction * width)), width / 2);
        var rangeY = Math.Min(Math.Max(1, (int)(options.MaxShiftFraction * height)), height / 2);
        var best = double.NegativeInfinity;
        int bx = 0, by = 0;
        for (var dy = -rangeY; dy <= rangeY; dy++)
        {
            var row = surface.Slice(Wrap(dy, height) * width, width);
            var (value, dx) = MaxOver(row, -rangeX, rangeX);
            if (value > best)
            {
                best = value;
                bx = dx;
                by = dy;
            }
        }

        var second = double.NegativeInfinity;
        for (var dy = -rangeY; dy <= rangeY; dy++)
        {
            var row = surface.Slice(Wrap(dy, height) * width, width);
            if (Math.Abs(dy - by) > PeakExclusionRadius)
            {
                second = Math.Max(second, MaxOver(row, -rangeX, rangeX).Value);
                continue;
            }

            second = Math.Max(second, MaxOver(row, -rangeX, bx - PeakExclusionRadius - 1).Value);
            second = Math.Max(second, MaxOver(row, bx + PeakExclusionRadius + 1, rangeX).Value);
        }

        var confidence = best > 0 ? Math.Clamp(1 - (Math.Max(second, 0) / best), 0, 1) : 0;
        var peakRow = Wrap(by, height) * width;
        var subX = SubPixel(surface[peakRow + Wrap(bx - 1, width)], best, surface[peakRow + Wrap(bx + 1, width)]);
        var column = Wrap(bx, width);
        var subY = SubPixel(surface[(Wrap(by - 1, height) * width) + column], best, surface[(Wrap(by + 1, height) * width) + column]);
        return new RegistrationShift(bx + subX, by + subY, confidence, confidence >= options.MinConfidence);
    }

    /// <summary>The largest value of a wrapped row over offsets [from, to] (the first, on ties) and its offset.</summary>
    private static (double Value, int Offset) MaxOver(ReadOnlySpan<double> row, int from, int to)
    {
        var best = double.NegativeInfinity;
        var at = from;
        if (to < from)
        {
            return (best, at);
        }

        // Negative offsets sit at the row's end, the others at its start: two contiguous runs.
        if (from < 0)
        {
            var end = Math.Min(to, -1);
            var run = row.Slice(row.Length + from, end - from + 1);
            var index = TensorPrimitives.IndexOfMax(run);
            best = run[index];
            at = from + index;
        }

        if (to >= 0)
        {
            var start = Math.Max(from, 0);
            var run = row.Slice(start, to - start + 1);
            var index = TensorPrimitives.IndexOfMax(run);
            if (run[index] > best)
            {
                best = run[index];
                at = start + index;
            }
        }

        return (best, at);
    }

    /// <summary>Vertex of the Gaussian through three samples (of the parabola when a flank is not positive), within ±0.5.</summary>
    private static double SubPixel(double left, double centre, double right)
    {
        double offset;
        if (left > 0 && right > 0 && centre > 0)
        {
            var l = Math.Log(left);
            var c = Math.Log(centre);
            var r = Math.Log(right);
            var curvature = l - (2 * c) + r;
            offset = curvature < 0 ? 0.5 * (l - r) / curvature : 0;
        }
        else
        {
            var curvature = left - (2 * centre) + right;
            offset = curvature < 0 ? 0.5 * (left - right) / curvature : 0;
        }

        return Math.Clamp(offset, -0.5, 0.5);
    }

    private static int Wrap(int i, int n)
    {
        var m = i % n;
        return m < 0 ? m + n : m;
    }
}
