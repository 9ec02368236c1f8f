using AfmEdge.Core;
using AfmEdge.Simulation.TestPattern;

namespace AfmEdge.Simulation.Tests.Rendering;

public sealed class TestPatternSourceTests
{
    private static readonly ScanSettings Scan = new() { SizeX = 20e-6, SizeY = 16e-6, PixelsX = 96, PixelsY = 80, LineRateHz = 100 };

    [Theory]
    [InlineData(1, 6, 0)]
    [InlineData(1, 6, 7)]
    [InlineData(5, 64, 3)]
    [InlineData(9, 0, 1)]
    public void RenderLine_AnyFrameAndLine_EqualsThePatternsDefinitionBitForBit(int seed, int features, long frame)
    {
        var options = new TestPatternOptions { Seed = seed, Features = features, DriftPerFrame = 40e-9 };
        var source = new TestPatternSource(Scan, options, TimeProvider.System, pace: false);
        var reference = new Definition(Scan, options);

        // Lines out of order and a frame revisited: the per-frame terms are rebuilt whenever the frame changes.
        foreach (var (f, y) in new[] { (frame, 0), (frame, 41), (frame + 1, 79), (frame, 17), (frame + 2, 40) })
        {
            var line = ScanLine.Rent(f, y, Scan.PixelsX, source.Channels.Count);
            try
            {
                source.RenderLine(line, f, y);
                for (var c = 0; c < source.Channels.Count; c++)
                {
                    var expected = Enumerable.Range(0, Scan.PixelsX).Select(x => reference.Sample(c, f, y, x)).ToArray();
                    Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), line.Samples(c).ToArray().Select(BitConverter.SingleToInt32Bits));
                }
            }
            finally
            {
                line.Return();
            }
        }
    }

    [Fact]
    public void RenderLine_LineOutsideTheScan_Throws()
    {
        var source = new TestPatternSource(Scan, new TestPatternOptions(), TimeProvider.System, pace: false);
        var line = ScanLine.Rent(0, 0, Scan.PixelsX, source.Channels.Count);
        try
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => source.RenderLine(line, 0, Scan.PixelsY));
        }
        finally
        {
            line.Return();
        }
    }

    /// <summary>
    /// The pattern as specified, one sample at a time, every feature evaluated at every pixel: the reference the
    /// source's faster rendering must match exactly.
    /// </summary>
    private sealed class Definition
    {
        private readonly ScanSettings _scan;
        private readonly TestPatternOptions _options;
        private readonly (double X, double Y, double SigmaLong, double SigmaShort, double Angle, double Peak)[] _features;

        public Definition(ScanSettings scan, TestPatternOptions options)
        {
            _scan = scan;
            _options = options;
            var random = new Random(options.Seed);
            _features = new (double, double, double, double, double, double)[options.Features];
            for (var i = 0; i < _features.Length; i++)
            {
                var length = scan.SizeX * (0.1 + (0.25 * random.NextDouble()));
                var width = length * (0.15 + (0.1 * random.NextDouble()));
                _features[i] = (scan.SizeX * (0.15 + (0.7 * random.NextDouble())), scan.SizeY * (0.15 + (0.7 * random.NextDouble())),
                    length / 2.5, width / 2.5, random.NextDouble() * Math.PI, 100e-9 + (200e-9 * random.NextDouble()));
            }
        }

        public float Sample(int channel, long frame, int y, int x)
        {
            var px = ((x + 0.5) * _scan.PixelSizeX) - (frame * _options.DriftPerFrame);
            var py = (y + 0.5) * _scan.PixelSizeY;
            var relief = 0.0;
            foreach (var f in _features)
            {
                var (sin, cos) = Math.SinCos(f.Angle);
                var dx = px - f.X;
                var dy = py - f.Y;
                var u = ((dx * cos) + (dy * sin)) / f.SigmaLong;
                var v = ((-dx * sin) + (dy * cos)) / f.SigmaShort;
                var r2 = (u * u) + (v * v);
                relief += r2 > 25 ? 0 : f.Peak * Math.Exp(-0.5 * r2);
            }

            var cover = Math.Min(1.0, relief / 200e-9);
            var tilt = (2e-3 * px) + (1e-3 * py);
            var noise = Noise(frame, channel, y, x);
            return channel switch
            {
                0 => (float)(relief + tilt + (_options.HeightNoise * noise)),
                1 => (float)((0.2e-9 + (1.5e-9 * cover)) + (0.05e-9 * noise)),
                2 => (float)((0.15 - (0.3 * cover)) + (0.02 * noise)),
                _ => (float)((8e-9 - (2e-9 * cover)) + (0.5e-9 * Math.Sin(px * 2e6)) + (0.3e-9 * noise)),
            };
        }

        private double Noise(long frame, int channel, int y, int x)
        {
            var h = 0x9E3779B97F4A7C15UL ^ (ulong)_options.Seed;
            foreach (var v in new[] { (ulong)frame, (ulong)channel, ((ulong)y << 32) | (uint)x })
            {
                h ^= v + 0x9E3779B97F4A7C15UL + (h << 6) + (h >> 2);
                h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9UL;
                h = (h ^ (h >> 27)) * 0x94D049BB133111EBUL;
                h ^= h >> 31;
            }

            double sum = ((h & 0xFFFF) + ((h >> 16) & 0xFFFF) + ((h >> 32) & 0xFFFF) + ((h >> 48) & 0xFFFF)) / 65536.0;
            return (sum - 2.0) * Math.Sqrt(3.0);
        }
    }
}
