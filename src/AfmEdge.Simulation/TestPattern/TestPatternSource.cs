using System.Buffers;
using System.Threading.Channels;
using AfmEdge.Core;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Simulation.TestPattern;

/// <summary>
/// A deterministic stand-in for a microscope: analytic surfaces (tilted substrate with elongated bumps)
/// and fields that depend on them, plus seeded noise, rendered line by line. Every value is a function of
/// (seed, frame, line, pixel), so runs repeat exactly. Optionally paced at the scan's line rate.
/// </summary>
public sealed class TestPatternSource : IScanSource
{
    private readonly TestPatternOptions _options;
    private readonly TimeProvider _time;
    private readonly bool _pace;
    private readonly Feature[] _features;
    private FrameTerms? _terms;

    public TestPatternSource(ScanSettings scan, TestPatternOptions options, TimeProvider time, bool pace)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var errors = scan.Validate().Concat(options.Validate()).ToArray();
        if (errors.Length > 0)
        {
            throw new ArgumentException(string.Join(" ", errors));
        }

        Scan = scan;
        _options = options;
        _time = time;
        _pace = pace;
        _features = CreateFeatures(scan, options);
    }

    public IReadOnlyList<ChannelDescriptor> Channels => TestPatternOptions.ChannelSet;

    public ScanSettings Scan { get; }

    public async Task RunAsync(ChannelWriter<ScanLine> lines, long frameCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var started = _time.GetTimestamp();
        long linesDone = 0;
        for (long frame = 0; frameCount == 0 || frame < frameCount; frame++)
        {
            for (var y = 0; y < Scan.PixelsY; y++)
            {
                if (_pace)
                {
                    // Wait for this line's due time counted from the start, so timer rounding (whole milliseconds)
                    // never accumulates into a slower or faster frame rate than the scan's.
                    var remaining = (Scan.LineTime * ++linesDone) - _time.GetElapsedTime(started);
                    if (remaining > TimeSpan.Zero)
                    {
                        await Task.Delay(remaining, _time, cancellationToken);
                    }
                }

                var line = ScanLine.Rent(frame, y, Scan.PixelsX, Channels.Count);
                RenderLine(line, frame, y);
                await line.WriteToAsync(lines, cancellationToken);
            }
        }
    }

    /// <summary>Fills one line of every channel; public so tests and benchmarks can render without a channel.</summary>
    /// <remarks>
    /// Every sample is the same function of (seed, frame, line, pixel) it always was, to the bit; what depends on fewer
    /// of those is worked out once per frame (<see cref="FrameTerms"/>: positions, the adhesion ripple, the first two
    /// rounds of each channel's noise hash, each feature's rotated column offsets and the columns it can reach) or once
    /// per line, and a feature is evaluated only on the lines and columns its 5σ ellipse touches (beyond it the sum
    /// added exactly 0). That made a 256² frame about four times cheaper to render.
    /// </remarks>
    public void RenderLine(ScanLine line, long frame, int y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(y);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(y, Scan.PixelsY);
        if (line.Pixels != Scan.PixelsX)
        {
            throw new ArgumentException($"The line has {line.Pixels} pixels; the scan has {Scan.PixelsX}.", nameof(line));
        }

        var height = line.Samples(0);
        var current = line.Samples(1);
        var potential = line.Samples(2);
        var adhesion = line.Samples(3);
        // One immutable set of terms per frame, swapped in whole, so concurrent callers never see a half-built one.
        var terms = _terms is { } cached && cached.Frame == frame ? cached : (_terms = new FrameTerms(this, frame));
        var py = (y + 0.5) * Scan.PixelSizeY;
        var tiltY = 1e-3 * py;
        var rented = ArrayPool<double>.Shared.Rent(Scan.PixelsX);
        try
        {
            var relief = rented.AsSpan(0, Scan.PixelsX);
            relief.Clear();
            for (var i = 0; i < _features.Length; i++)
            {
                ref readonly var f = ref _features[i];
                var dy = py - f.Y;
                if (Math.Abs(dy) > f.ReachY)
                {
                    continue;
                }

                var (sin, cos) = f.Rotation;
                var dySin = dy * sin;
                var dyCos = dy * cos;
                var (first, end) = terms.Columns[i];
                var dxCos = terms.DxCos[i];
                var minusDxSin = terms.MinusDxSin[i];
                for (var x = first; x < end; x++)
                {
                    var u = (dxCos[x] + dySin) / f.SigmaLong;
                    var v = (minusDxSin[x] + dyCos) / f.SigmaShort;
                    var r2 = (u * u) + (v * v);
                    if (r2 <= 25)
                    {
                        relief[x] += f.Peak * Math.Exp(-0.5 * r2);
                    }
                }
            }

            var row = (ulong)y << 32;
            var (noise0, noise1, noise2, noise3) = (terms.Noise[0], terms.Noise[1], terms.Noise[2], terms.Noise[3]);
            for (var x = 0; x < Scan.PixelsX; x++)
            {
                var r = relief[x];
                var key = row | (uint)x;
                // Fields depend on relief with different signs and strengths, so their correlations with height differ.
                var cover = Math.Min(1.0, r / 200e-9);
                var tilt = terms.TiltX[x] + tiltY;
                height[x] = (float)(r + tilt + (_options.HeightNoise * Noise(noise0, key)));
                current[x] = (float)((0.2e-9 + (1.5e-9 * cover)) + (0.05e-9 * Noise(noise1, key)));
                potential[x] = (float)((0.15 - (0.3 * cover)) + (0.02 * Noise(noise2, key)));
                adhesion[x] = (float)((8e-9 - (2e-9 * cover)) + terms.Ripple[x] + (0.3e-9 * Noise(noise3, key)));
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Roughly standard-normal noise from a hash of (seed, frame, channel, line, pixel): no state, no allocation,
    /// repeatable. <paramref name="prefix"/> is the hash state after the frame and channel rounds.
    /// </summary>
    private static double Noise(ulong prefix, ulong key)
    {
        var h = Mix(prefix, key);
        // Sum of four uniforms in [0,1): mean 2, variance 1/3; rescale to unit variance.
        double sum = ((h & 0xFFFF) + ((h >> 16) & 0xFFFF) + ((h >> 32) & 0xFFFF) + ((h >> 48) & 0xFFFF)) / 65536.0;
        return (sum - 2.0) * Math.Sqrt(3.0);
    }

    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>The hash's state after the seed, frame and channel: the rounds every pixel of a frame's channel shares.</summary>
    private static ulong NoisePrefix(ulong seed, ulong frame, ulong channel) => Mix(Mix(Golden ^ seed, frame), channel);

    /// <summary>One round of the hash: folds <paramref name="v"/> into the state and mixes it (splitmix64's finaliser).</summary>
    private static ulong Mix(ulong h, ulong v) => Hashing.Mix(h ^ (v + Golden + (h << 6) + (h >> 2)));

    /// <summary>What every line of one frame shares, per column or per channel; immutable once built.</summary>
    private sealed class FrameTerms
    {
        public FrameTerms(TestPatternSource source, long frame)
        {
            Frame = frame;
            var scan = source.Scan;
            var pixels = scan.PixelsX;
            var drift = frame * source._options.DriftPerFrame;
            var px = new double[pixels];
            TiltX = new double[pixels];
            Ripple = new double[pixels];
            for (var x = 0; x < pixels; x++)
            {
                px[x] = ((x + 0.5) * scan.PixelSizeX) - drift;
                TiltX[x] = 2e-3 * px[x];
                Ripple[x] = 0.5e-9 * Math.Sin(px[x] * 2e6);
            }

            Noise = new ulong[4];
            for (var c = 0; c < Noise.Length; c++)
            {
                Noise[c] = NoisePrefix((ulong)source._options.Seed, (ulong)frame, (ulong)c);
            }

            var features = source._features;
            DxCos = new double[features.Length][];
            MinusDxSin = new double[features.Length][];
            Columns = new (int, int)[features.Length];
            for (var i = 0; i < features.Length; i++)
            {
                var f = features[i];
                var (sin, cos) = f.Rotation;
                DxCos[i] = new double[pixels];
                MinusDxSin[i] = new double[pixels];
                int first = pixels, end = 0;
                for (var x = 0; x < pixels; x++)
                {
                    var dx = px[x] - f.X;
                    DxCos[i][x] = dx * cos;
                    MinusDxSin[i][x] = -dx * sin;
                    if (Math.Abs(dx) <= f.ReachX)
                    {
                        first = Math.Min(first, x);
                        end = x + 1;
                    }
                }

                Columns[i] = (first, end);
            }
        }

        public long Frame { get; }

        /// <summary>2e-3 × the column's x position: the tilt's x part.</summary>
        public double[] TiltX { get; }

        /// <summary>The adhesion's ripple along x.</summary>
        public double[] Ripple { get; }

        /// <summary>Per channel, the noise hash's state after the seed, frame and channel.</summary>
        public ulong[] Noise { get; }

        /// <summary>Per feature and column, dx·cos and −dx·sin of the feature's rotation.</summary>
        public double[][] DxCos { get; }

        public double[][] MinusDxSin { get; }

        /// <summary>Per feature, the columns [first, end) within its reach along x (empty when first ≥ end).</summary>
        public (int First, int End)[] Columns { get; }
    }

    private static Feature[] CreateFeatures(ScanSettings scan, TestPatternOptions options)
    {
        var random = new Random(options.Seed);
        var features = new Feature[options.Features];
        for (var i = 0; i < features.Length; i++)
        {
            var length = scan.SizeX * (0.1 + (0.25 * random.NextDouble()));
            var width = length * (0.15 + (0.1 * random.NextDouble()));
            features[i] = new Feature(
                scan.SizeX * (0.15 + (0.7 * random.NextDouble())),
                scan.SizeY * (0.15 + (0.7 * random.NextDouble())),
                length / 2.5,
                width / 2.5,
                random.NextDouble() * Math.PI,
                100e-9 + (200e-9 * random.NextDouble()));
        }

        return features;
    }

    private readonly record struct Feature(double X, double Y, double SigmaLong, double SigmaShort, double Angle, double Peak)
    {
        // A little more than the 5σ ellipse's half extent along x and along y: beyond it u² + v² > 25 and the feature
        // adds exactly 0, so it is not evaluated there. The margin dwarfs the rounding of u and v.
        private const double Margin = 1 + 1e-6;

        // The same for every pixel: worked out once, not per pixel and feature (it was most of a line's rendering time).
        public (double Sin, double Cos) Rotation { get; } = Math.SinCos(Angle);

        public double ReachX { get; } = HalfExtent(SigmaLong * Math.Cos(Angle), SigmaShort * Math.Sin(Angle));

        public double ReachY { get; } = HalfExtent(SigmaLong * Math.Sin(Angle), SigmaShort * Math.Cos(Angle));

        private static double HalfExtent(double a, double b) => 5 * Margin * Math.Sqrt((a * a) + (b * b));
    }
}
