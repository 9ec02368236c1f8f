using System.Threading.Channels;
using AfmEdge.Core;

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
    public void RenderLine(ScanLine line, long frame, int y)
    {
        var height = line.Samples(0);
        var current = line.Samples(1);
        var potential = line.Samples(2);
        var adhesion = line.Samples(3);
        var py = (y + 0.5) * Scan.PixelSizeY;
        var drift = frame * _options.DriftPerFrame;
        for (var x = 0; x < Scan.PixelsX; x++)
        {
            var px = ((x + 0.5) * Scan.PixelSizeX) - drift;
            var relief = 0.0;
            foreach (var f in _features)
            {
                relief += f.HeightAt(px, py);
            }

            // Fields depend on relief with different signs and strengths, so their correlations with height differ.
            var cover = Math.Min(1.0, relief / 200e-9);
            var tilt = (2e-3 * px) + (1e-3 * py);
            height[x] = (float)(relief + tilt + (_options.HeightNoise * Noise(frame, 0, y, x)));
            current[x] = (float)((0.2e-9 + (1.5e-9 * cover)) + (0.05e-9 * Noise(frame, 1, y, x)));
            potential[x] = (float)((0.15 - (0.3 * cover)) + (0.02 * Noise(frame, 2, y, x)));
            adhesion[x] = (float)((8e-9 - (2e-9 * cover)) + (0.5e-9 * Math.Sin(px * 2e6)) + (0.3e-9 * Noise(frame, 3, y, x)));
        }
    }

    /// <summary>Roughly standard-normal noise from a hash of its coordinates: no state, no allocation, repeatable.</summary>
    private double Noise(long frame, int channel, int y, int x)
    {
        var h = Hash((ulong)_options.Seed, (ulong)frame, (ulong)channel, ((ulong)y << 32) | (uint)x);
        // Sum of four uniforms in [0,1): mean 2, variance 1/3; rescale to unit variance.
        double sum = ((h & 0xFFFF) + ((h >> 16) & 0xFFFF) + ((h >> 32) & 0xFFFF) + ((h >> 48) & 0xFFFF)) / 65536.0;
        return (sum - 2.0) * Math.Sqrt(3.0);
    }

    private static ulong Hash(ulong a, ulong b, ulong c, ulong d)
    {
        var h = 0x9E3779B97F4A7C15UL ^ a;
        foreach (var v in (ReadOnlySpan<ulong>)[b, c, d])
        {
            h ^= v + 0x9E3779B97F4A7C15UL + (h << 6) + (h >> 2);
            h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9UL;
            h = (h ^ (h >> 27)) * 0x94D049BB133111EBUL;
            h ^= h >> 31;
        }

        return h;
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
        // The same for every pixel: worked out once, not per pixel and feature (it was most of a line's rendering time).
        private readonly (double Sin, double Cos) _rotation = Math.SinCos(Angle);

        public double HeightAt(double x, double y)
        {
            var dx = x - X;
            var dy = y - Y;
            var (sin, cos) = _rotation;
            var u = ((dx * cos) + (dy * sin)) / SigmaLong;
            var v = ((-dx * sin) + (dy * cos)) / SigmaShort;
            var r2 = (u * u) + (v * v);
            return r2 > 25 ? 0 : Peak * Math.Exp(-0.5 * r2);
        }
    }
}
