using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AfmEdge.Processing;

/// <summary>
/// Complex discrete Fourier transform of any length on split real/imaginary arrays of double:
/// X[k] = Σ_n x[n]·e^(∓2πi·kn/N) (− forward, + inverse; the inverse divides by N, so Inverse(Forward(x)) = x).
/// Powers of two run an iterative radix-2 decimation-in-time transform whose butterflies are vectorised across each
/// block once a block holds a full vector; other lengths use Bluestein's chirp-z algorithm on a power-of-two
/// transform of at least 2N − 1 points. Plans (bit reversal, twiddles, chirps) are built once per length and cached.
/// </summary>
public static class Fft
{
    private static readonly ConcurrentDictionary<int, Plan> Plans = new();

    /// <summary>Transforms (<paramref name="re"/>, <paramref name="im"/>) in place.</summary>
    public static void Forward(Span<double> re, Span<double> im) => Transform(re, im, inverse: false);

    /// <summary>The inverse transform in place, scaled by 1/N.</summary>
    public static void Inverse(Span<double> re, Span<double> im) => Transform(re, im, inverse: true);

    public static bool IsPowerOfTwo(int n) => n > 0 && (n & (n - 1)) == 0;

    /// <summary>The transform in place without the inverse's 1/N (for callers that scale once over several passes).</summary>
    internal static void TransformUnscaled(Span<double> re, Span<double> im, bool inverse)
    {
        var n = re.Length;
        if (n <= 1)
        {
            return;
        }

        var plan = Plans.GetOrAdd(n, static length => new Plan(length));
        if (plan.Bluestein is { } bluestein)
        {
            bluestein.Transform(re, im, inverse);
        }
        else
        {
            plan.Radix2(re, im, inverse);
        }
    }

    private static void Transform(Span<double> re, Span<double> im, bool inverse)
    {
        var n = re.Length;
        if (im.Length != n)
        {
            throw new ArgumentException($"Real part has {n} samples but the imaginary part has {im.Length}; they must match.", nameof(im));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1, nameof(re));
        if (n == 1)
        {
            return;
        }

        TransformUnscaled(re, im, inverse);
        if (inverse)
        {
            var scale = 1.0 / n;
            System.Numerics.Tensors.TensorPrimitives.Multiply(re, scale, re);
            System.Numerics.Tensors.TensorPrimitives.Multiply(im, scale, im);
        }
    }

    /// <summary>Everything a transform of one length needs, computed once.</summary>
    internal sealed class Plan
    {
        private readonly int _n;
        private readonly int[]? _swaps;

        // Twiddles of the stage with half-block h sit at [h, 2h): w_h^k = e^(−πi·k/h), k &lt; h.
        private readonly double[]? _twiddleRe;
        private readonly double[]? _twiddleIm;

        public Plan(int n)
        {
            _n = n;
            if (!IsPowerOfTwo(n))
            {
                Bluestein = new BluesteinPlan(n);
                return;
            }

            var bits = BitOperations.Log2((uint)n);
            var swaps = new List<int>();
            for (var i = 0; i < n; i++)
            {
                var j = (int)(ReverseBits((uint)i) >> (32 - bits));
                if (j > i)
                {
                    swaps.Add(i);
                    swaps.Add(j);
                }
            }

            _swaps = [.. swaps];
            _twiddleRe = new double[n];
            _twiddleIm = new double[n];
            for (var h = 1; h < n; h <<= 1)
            {
                for (var k = 0; k < h; k++)
                {
                    // Angles from the exact fraction k/h (not by recurrence), so every twiddle is correctly rounded.
                    var angle = -Math.PI * k / h;
                    _twiddleRe[h + k] = Math.Cos(angle);
                    _twiddleIm[h + k] = Math.Sin(angle);
                }
            }
        }

        public BluesteinPlan? Bluestein { get; }

        /// <summary>Bit-reversal permutation indices as (i, j) pairs with i &lt; j, for callers that move whole rows.</summary>
        public ReadOnlySpan<int> Swaps => _swaps;

        public ReadOnlySpan<double> TwiddleRe => _twiddleRe;

        public ReadOnlySpan<double> TwiddleIm => _twiddleIm;

        public static Plan For(int n) => Plans.GetOrAdd(n, static length => new Plan(length));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Radix2(Span<double> re, Span<double> im, bool inverse)
        {
            var swaps = _swaps!;
            for (var s = 0; s < swaps.Length; s += 2)
            {
                var i = swaps[s];
                var j = swaps[s + 1];
                (re[i], re[j]) = (re[j], re[i]);
                (im[i], im[j]) = (im[j], im[i]);
            }

            // The inverse is the forward transform of the conjugate, conjugated: flip the twiddles' sign instead.
            var sign = inverse ? -1.0 : 1.0;
            ref var r = ref MemoryMarshal.GetReference(re);
            ref var m = ref MemoryMarshal.GetReference(im);
            ref var wr = ref MemoryMarshal.GetArrayDataReference(_twiddleRe!);
            ref var wi = ref MemoryMarshal.GetArrayDataReference(_twiddleIm!);
            var v = Vector<double>.Count;

            // The first two stages have trivial twiddles (1, and 1 and ∓i): plain sums, no multiplications.
            var first = 1;
            if (_n >= 4)
            {
                for (var a = 0; a < _n; a += 4)
                {
                    double r0 = Unsafe.Add(ref r, a), r1 = Unsafe.Add(ref r, a + 1), r2 = Unsafe.Add(ref r, a + 2), r3 = Unsafe.Add(ref r, a + 3);
                    double i0 = Unsafe.Add(ref m, a), i1 = Unsafe.Add(ref m, a + 1), i2 = Unsafe.Add(ref m, a + 2), i3 = Unsafe.Add(ref m, a + 3);
                    double s0r = r0 + r1, s0i = i0 + i1, d0r = r0 - r1, d0i = i0 - i1;
                    double s1r = r2 + r3, s1i = i2 + i3, d1r = r2 - r3, d1i = i2 - i3;

                    // d1 × (∓i): forward multiplies by −i, inverse by +i.
                    var tr = sign * d1i;
                    var ti = -sign * d1r;
                    Unsafe.Add(ref r, a) = s0r + s1r;
                    Unsafe.Add(ref m, a) = s0i + s1i;
                    Unsafe.Add(ref r, a + 2) = s0r - s1r;
                    Unsafe.Add(ref m, a + 2) = s0i - s1i;
                    Unsafe.Add(ref r, a + 1) = d0r + tr;
                    Unsafe.Add(ref m, a + 1) = d0i + ti;
                    Unsafe.Add(ref r, a + 3) = d0r - tr;
                    Unsafe.Add(ref m, a + 3) = d0i - ti;
                }

                first = 4;
            }

            for (var h = first; h < _n; h <<= 1)
            {
                if (Vector.IsHardwareAccelerated && h >= v)
                {
                    var signVector = new Vector<double>(sign);
                    for (var start = 0; start < _n; start += 2 * h)
                    {
                        for (var k = 0; k < h; k += v)
                        {
                            var a = (nuint)(start + k);
                            var b = (nuint)(start + h + k);
                            var twr = Vector.LoadUnsafe(ref wr, (nuint)(h + k));
                            var twi = Vector.LoadUnsafe(ref wi, (nuint)(h + k)) * signVector;
                            var br = Vector.LoadUnsafe(ref r, b);
                            var bi = Vector.LoadUnsafe(ref m, b);
                            var tr = (br * twr) - (bi * twi);
                            var ti = (br * twi) + (bi * twr);
                            var ar = Vector.LoadUnsafe(ref r, a);
                            var ai = Vector.LoadUnsafe(ref m, a);
                            (ar - tr).StoreUnsafe(ref r, b);
                            (ai - ti).StoreUnsafe(ref m, b);
                            (ar + tr).StoreUnsafe(ref r, a);
                            (ai + ti).StoreUnsafe(ref m, a);
                        }
                    }

                    continue;
                }

                for (var start = 0; start < _n; start += 2 * h)
                {
                    for (var k = 0; k < h; k++)
                    {
                        var a = start + k;
                        var b = a + h;
                        var twr = Unsafe.Add(ref wr, h + k);
                        var twi = sign * Unsafe.Add(ref wi, h + k);
                        var br = Unsafe.Add(ref r, b);
                        var bi = Unsafe.Add(ref m, b);
                        var tr = (br * twr) - (bi * twi);
                        var ti = (br * twi) + (bi * twr);
                        var ar = Unsafe.Add(ref r, a);
                        var ai = Unsafe.Add(ref m, a);
                        Unsafe.Add(ref r, b) = ar - tr;
                        Unsafe.Add(ref m, b) = ai - ti;
                        Unsafe.Add(ref r, a) = ar + tr;
                        Unsafe.Add(ref m, a) = ai + ti;
                    }
                }
            }
        }

        private static uint ReverseBits(uint x)
        {
            x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
            x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
            x = ((x >> 4) & 0x0F0F0F0Fu) | ((x & 0x0F0F0F0Fu) << 4);
            x = ((x >> 8) & 0x00FF00FFu) | ((x & 0x00FF00FFu) << 8);
            return (x >> 16) | (x << 16);
        }
    }

    /// <summary>
    /// Bluestein: with kn = (k² + n² − (k − n)²)/2, X[k] = c*[k]·Σ_n (x[n]·c*[n])·c[k − n], c[j] = e^(πi·j²/N): a
    /// convolution with the chirp, done by power-of-two transforms. The chirp's transform is precomputed.
    /// </summary>
    internal sealed class BluesteinPlan
    {
        private readonly int _n;
        private readonly int _m;
        private readonly Plan _inner;
        private readonly double[] _chirpRe;
        private readonly double[] _chirpIm;
        private readonly double[] _kernelRe;
        private readonly double[] _kernelIm;

        public BluesteinPlan(int n)
        {
            _n = n;
            _m = (int)BitOperations.RoundUpToPowerOf2((uint)((2 * n) - 1));
            _inner = Plan.For(_m);
            _chirpRe = new double[n];
            _chirpIm = new double[n];
            for (var j = 0; j < n; j++)
            {
                // j² mod 2N keeps the angle small, so large lengths lose no precision.
                var phase = (long)j * j % (2L * n);
                var angle = Math.PI * phase / n;
                _chirpRe[j] = Math.Cos(angle);
                _chirpIm[j] = Math.Sin(angle);
            }

            _kernelRe = new double[_m];
            _kernelIm = new double[_m];
            for (var j = 0; j < n; j++)
            {
                _kernelRe[j] = _chirpRe[j];
                _kernelIm[j] = _chirpIm[j];
                if (j > 0)
                {
                    _kernelRe[_m - j] = _chirpRe[j];
                    _kernelIm[_m - j] = _chirpIm[j];
                }
            }

            _inner.Radix2(_kernelRe, _kernelIm, inverse: false);
        }

        public void Transform(Span<double> re, Span<double> im, bool inverse)
        {
            var bufferRe = System.Buffers.ArrayPool<double>.Shared.Rent(_m);
            var bufferIm = System.Buffers.ArrayPool<double>.Shared.Rent(_m);
            try
            {
                var ar = bufferRe.AsSpan(0, _m);
                var ai = bufferIm.AsSpan(0, _m);
                ar.Clear();
                ai.Clear();

                // The inverse conjugates the chirp (e^(+2πi·kn/N)): same algorithm with c and c* swapped.
                var s = inverse ? -1.0 : 1.0;
                for (var j = 0; j < _n; j++)
                {
                    var cr = _chirpRe[j];
                    var ci = -s * _chirpIm[j];
                    ar[j] = (re[j] * cr) - (im[j] * ci);
                    ai[j] = (re[j] * ci) + (im[j] * cr);
                }

                _inner.Radix2(ar, ai, inverse: false);
                for (var j = 0; j < _m; j++)
                {
                    var kr = _kernelRe[j];
                    var ki = s * _kernelIm[j];
                    if (inverse)
                    {
                        // The transform of the conjugate chirp is the conjugate of the chirp's transform, reversed.
                        var rj = j == 0 ? 0 : _m - j;
                        kr = _kernelRe[rj];
                        ki = -_kernelIm[rj];
                    }

                    var xr = ar[j];
                    var xi = ai[j];
                    ar[j] = (xr * kr) - (xi * ki);
                    ai[j] = (xr * ki) + (xi * kr);
                }

                _inner.Radix2(ar, ai, inverse: true);
                var scale = 1.0 / _m;
                for (var k = 0; k < _n; k++)
                {
                    var cr = _chirpRe[k];
                    var ci = -s * _chirpIm[k];
                    var yr = ar[k] * scale;
                    var yi = ai[k] * scale;
                    re[k] = (yr * cr) - (yi * ci);
                    im[k] = (yr * ci) + (yi * cr);
                }
            }
            finally
            {
                System.Buffers.ArrayPool<double>.Shared.Return(bufferRe);
                System.Buffers.ArrayPool<double>.Shared.Return(bufferIm);
            }
        }
    }
}
