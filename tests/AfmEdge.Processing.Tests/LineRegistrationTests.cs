using AfmEdge.Core;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Processing.Tests;

public sealed class LineRegistrationTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.37)]
    [InlineData(-2.6)]
    [InlineData(11.0)]
    public void Apply_ConstantLag_MatchesScalarShiftReference(double lag)
    {
        const int width = 67;
        const int height = 23;
        var data = TestData.Field(width, height, seed: 8, offset: 0);
        var output = new float[data.Length];
        LineRegistration.Apply(data, output, width, height, Enumerable.Repeat(lag, height).ToArray());
        TestData.AssertClose(Reference.Shift(data, width, height, -lag, 0), output, 1e-6);
    }

    [Fact]
    public void Estimate_LagVaryingPerLine_RecoversEachLineWithin0p1Pixel()
    {
        // A smooth wobble plus a step of the lag halfway down: the smoothing must follow both.
        const int width = 256;
        const int height = 96;
        var truth = Enumerable.Range(0, height).Select(y => 2.3 + (0.8 * Math.Sin(2 * Math.PI * y / 40.0)) + (y >= height / 2 ? -1.1 : 0)).ToArray();
        var trace = Blobs(width, height, seed: 3, _ => 0, noise: 0.02, noiseSeed: 1);
        var retrace = Blobs(width, height, seed: 3, y => truth[y], noise: 0.02, noiseSeed: 2);
        var lags = LineRegistration.Estimate(trace, retrace, width, height);
        Assert.True(lags.Accepted, lags.ToString());
        for (var y = 0; y < height; y++)
        {
            Assert.True(Math.Abs(lags.Lag[y] - truth[y]) <= 0.1, $"line {y}: expected {truth[y]:F3}, got {lags.Lag[y]:F3} (raw {lags.Raw[y]:F3}, confidence {lags.Confidence[y]:F2}); {lags}");
        }
    }

    [Fact]
    public void Estimate_OutlierLines_AreDroppedAndFilledFromNeighbours()
    {
        const int width = 200;
        const int height = 40;
        var trace = Blobs(width, height, seed: 4, _ => 0, noise: 0.01, noiseSeed: 1);
        var retrace = Blobs(width, height, seed: 4, _ => 1.4, noise: 0.01, noiseSeed: 2);

        // Two retrace lines replaced by unrelated noise, one by a copy of the trace line (lag 0: a confident outlier).
        var random = new Random(5);
        foreach (var y in new[] { 7, 25 })
        {
            for (var x = 0; x < width; x++)
            {
                retrace[(y * width) + x] = (float)random.NextDouble();
            }
        }

        Array.Copy(trace, 16 * width, retrace, 16 * width, width);
        var lags = LineRegistration.Estimate(trace, retrace, width, height);
        Assert.False(lags.Used[7]);
        Assert.False(lags.Used[16]);
        Assert.False(lags.Used[25]);
        Assert.True(lags.Confidence[7] < 0.5, $"noise line confidence {lags.Confidence[7]:F2}");
        Assert.All(lags.Lag, lag => Assert.Equal(1.4, lag, 0.1));
    }

    [Fact]
    public void Estimate_IndependentNoise_IsRefused()
    {
        var random = new Random(9);
        var a = Enumerable.Range(0, 128 * 64).Select(_ => (float)random.NextDouble()).ToArray();
        var b = Enumerable.Range(0, 128 * 64).Select(_ => (float)random.NextDouble()).ToArray();
        var lags = LineRegistration.Estimate(a, b, 128, 64);
        Assert.False(lags.Accepted, lags.ToString());
        Assert.All(lags.Lag, lag => Assert.Equal(0, lag));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(-1)]
    public void Options_BadValue_ThrowsNamingIt(int which)
    {
        var options = which switch
        {
            0 => new LineLagOptions { SmoothingLines = 4 },
            2 => new LineLagOptions { MinConfidence = 2 },
            _ => new LineLagOptions { MaxDeviation = 0 },
        };
        var e = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Contains(which switch { 0 => "SmoothingLines", 2 => "MinConfidence", _ => "MaxDeviation" }, e.ParamName, StringComparison.Ordinal);
    }

    [Fact]
    public void Chain_RegisterRetraceLines_RecoversSimulatorLagPerLineWithin0p2PixelAndRecordsIt()
    {
        var (frame, truth) = SimulatedLagSteps.Value;
        var lags = LineRegistration.Estimate(frame.GetChannel("Adhesion"), frame.GetChannel("Adhesion", ScanDirection.Retrace));
        for (var y = 0; y < frame.Height; y++)
        {
            Assert.True(Math.Abs(lags.Lag[y] - truth[y]) <= 0.2, $"line {y}: expected {truth[y]:F3}, got {lags.Lag[y]:F3} (raw {lags.Raw[y]:F3}, confidence {lags.Confidence[y]:F2}); {lags}");
        }

        var result = ProcessingChain.ParseList("register:retrace:lines").Apply(frame);
        Assert.Equal("register:retrace:lines", result.Metadata["processing"]);
        Assert.Contains("per-line lag", result.Metadata["registration"], StringComparison.Ordinal);
        var recorded = result.Metadata["registration.lines"].Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(frame.Height, recorded.Length);
        Assert.Equal(lags.Lag[0], recorded[0], 1e-3);

        // Afterwards every retrace line sits on its trace line, and the trace channels are untouched.
        var after = LineRegistration.Estimate(result.GetChannel("Height"), result.GetChannel("Height", ScanDirection.Retrace));
        Assert.True(after.Lag.All(l => Math.Abs(l) <= 0.2), after.ToString());
        Assert.Equal(frame.GetChannel("Current").Data.ToArray(), result.GetChannel("Current").Data.ToArray());
    }

    [Fact]
    public void Parse_RegisterRetraceLines_KnownWithAndWithoutCrop()
    {
        Assert.True(ProcessingChain.TryParseStep("register:retrace:lines", out _));
        Assert.True(ProcessingChain.TryParseStep("register:retrace:lines:crop", out _));
        Assert.False(ProcessingChain.TryParseStep("register:retrace:rows", out var error));
        Assert.Contains("register:retrace:rows", error, StringComparison.Ordinal);
        Assert.Equal("register:retrace:lines:crop", ProcessingChain.ParseList("register:retrace:lines:crop").Operations[0].Name);
    }

    /// <summary>
    /// A simulator frame whose lag changes during the frame: four renders of one specimen and noise seed with different
    /// lags (and the default retrace offset), each giving a quarter of the lines, trace and retrace from the same render.
    /// The truth per line is the simulator's: trace reads the sample at x − L·v and retrace at x + offset + L·v
    /// (v the tip speed over the path, overscan included), so retrace features sit at −(offset + 2·L·v) / pixel.
    /// </summary>
    private static readonly Lazy<(Frame Frame, double[] Truth)> SimulatedLagSteps = new(() =>
    {
        var scan = new ScanSettings { SizeX = 8e-6, SizeY = 4e-6, PixelsX = 256, PixelsY = 128, LineRateHz = 1 };
        var specimen = new ChromosomeSpecimen(11, new SpecimenOptions { FieldSizeX = 8e-6, FieldSizeY = 8e-6 });
        double[] lagSeconds = [0.1e-3, 0.25e-3, 0.05e-3, 0.18e-3];
        var frames = lagSeconds.Select(lag => IdealScan.Render(specimen, scan, Instrument(lag), new RenderOptions { IncludeRetrace = true })).ToArray();
        var instrument = Instrument(0);
        var subsamples = instrument.FastAxisSubsamples;
        var pathLength = scan.SizeX * (1 + (2 * Math.Ceiling(scan.Overscan * scan.PixelsX * subsamples) / (scan.PixelsX * subsamples)));
        var speed = pathLength / (0.5 / scan.LineRateHz);
        var block = scan.PixelsY / lagSeconds.Length;
        var truth = Enumerable.Range(0, scan.PixelsY)
            .Select(y => -(instrument.TraceRetrace.RetraceOffset + (2 * lagSeconds[y / block] * speed)) / frames[0].PixelSizeX).ToArray();
        var channels = frames[0].Channels.Select(c =>
        {
            var data = new float[c.Data.Length];
            for (var y = 0; y < scan.PixelsY; y++)
            {
                frames[y / block].GetChannel(c.Name, c.Direction).Row(y).CopyTo(data.AsSpan(y * scan.PixelsX, scan.PixelsX));
            }

            return c.WithData(c.Width, c.Height, data);
        });
        return (new Frame(frames[0].Id, scan, channels, frames[0].Metadata), truth);

        static InstrumentOptions Instrument(double lag) => new()
        {
            Piezo = new PiezoOptions { Hysteresis = 0, Creep = 0 },
            TraceRetrace = new TraceRetraceOptions { Lag = lag, RetraceOffset = 40e-9 },
        };
    });

    /// <summary>Gaussian bumps on a tilt; row y evaluated at x − shift(y), plus deterministic white noise.</summary>
    private static float[] Blobs(int width, int height, int seed, Func<int, double> shift, double noise, int noiseSeed)
    {
        var random = new Random(seed);
        var blobs = Enumerable.Range(0, width * height / 300).Select(_ => (X: random.NextDouble() * width, Y: random.NextDouble() * height,
            S: 1.5 + (random.NextDouble() * 4), A: 0.5 + random.NextDouble())).ToArray();
        var noiseSource = new Random(noiseSeed);
        var data = new float[width * height];
        for (var y = 0; y < height; y++)
        {
            var dx = shift(y);
            for (var x = 0; x < width; x++)
            {
                var sx = x - dx;
                var z = 0.002 * sx;
                foreach (var b in blobs)
                {
                    var r2 = ((sx - b.X) * (sx - b.X)) + ((y - b.Y) * (y - b.Y));
                    z += b.A * Math.Exp(-r2 / (2 * b.S * b.S));
                }

                data[(y * width) + x] = (float)(z + (noise * (noiseSource.NextDouble() - 0.5)));
            }
        }

        return data;
    }
}
