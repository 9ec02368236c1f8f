using AfmEdge.Core;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Processing.Tests;

public sealed class MidpointRegistrationTests
{
    [Theory]
    [InlineData(101, 7)]
    [InlineData(256, 3)]
    [InlineData(300, 260)]
    public void FastAxisWarp_SmoothShift_MatchesScalarReference(int width, int height)
    {
        var input = TestData.Field(width, height, seed: width);
        var shift = Enumerable.Range(0, width).Select(x => 2.3 + (1.7 * Math.Sin(x / 23.0))).ToArray();
        var output = new float[input.Length];
        FastAxisWarp.Apply(input, output, width, height, shift);

        // The vector path holds its weights in float; on a field sitting at ~1000 that is a few 1e-5 of its range.
        TestData.AssertClose(FastAxisWarp.ApplyScalar(input, width, height, shift), output, 1e-4);
    }

    [Fact]
    public void FastAxisWarp_IntegerShift_MovesRowsExactly()
    {
        const int width = 64;
        var input = TestData.Field(width, 4, seed: 1);
        var output = new float[input.Length];
        FastAxisWarp.Apply(input, output, width, 4, Enumerable.Repeat(3.0, width).ToArray());
        for (var y = 0; y < 4; y++)
        {
            Assert.Equal(input[y * width], output[y * width]);
            for (var x = 3; x < width; x++)
            {
                Assert.Equal(input[(y * width) + x - 3], output[(y * width) + x]);
            }
        }
    }

    [Fact]
    public void FastAxisWarp_ShiftCountNotWidth_ThrowsNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => FastAxisWarp.Apply(new float[20], new float[20], 10, 2, new double[9]));
        Assert.Contains("one per column", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Estimate_ParabolaPlusLag_RecoversDisplacement()
    {
        const int width = 256;
        const int height = 128;
        var clean = Blobs(width, height, seed: 7);

        // Hysteresis: the trace lags one way, the retrace the other, most at mid-line; a lag moves both against their motion.
        double Hysteresis(double x) => 2.5 * 4 * (x / (width - 1)) * (1 - (x / (width - 1)));
        var traceShift = Enumerable.Range(0, width).Select(x => Hysteresis(x) + 0.4).ToArray();
        var retraceShift = Enumerable.Range(0, width).Select(x => -Hysteresis(x) - 0.4).ToArray();
        var trace = new float[clean.Length];
        var retrace = new float[clean.Length];
        FastAxisWarp.Apply(clean, trace, width, height, traceShift);
        FastAxisWarp.Apply(clean, retrace, width, height, retraceShift);

        var d = TraceRetraceDisplacement.Estimate(trace, retrace, width, height);

        Assert.True(d.Accepted, d.ToString());
        foreach (var x in new[] { 20, 64, 128, 192, 235 })
        {
            Assert.InRange(d.At(x) - (retraceShift[x] - traceShift[x]), -0.15, 0.15);
        }
    }

    [Fact]
    public void Estimate_NoStructure_Refused()
    {
        var random = new Random(3);
        var trace = Enumerable.Range(0, 128 * 64).Select(_ => (float)random.NextDouble()).ToArray();
        var retrace = Enumerable.Range(0, 128 * 64).Select(_ => (float)random.NextDouble()).ToArray();

        var d = TraceRetraceDisplacement.Estimate(trace, retrace, 128, 64);

        Assert.False(d.Accepted);
        Assert.Equal(0, d.At(10));
    }

    [Fact]
    public void Apply_SimulatedHysteresisAndLag_TraceLandsOnTheTruth()
    {
        var (clean, scan) = Simulated(new InstrumentOptions
        {
            Feedback = new FeedbackOptions { Enabled = false },
            Piezo = new PiezoOptions { Hysteresis = 0.04, Creep = 0 },
            Drift = new DriftOptions { VelocityX = 0, VelocityY = 0, VelocityZ = 0 },
            Noise = InstrumentOptions.TipOnly.Noise,
            Scars = new ScarOptions { Probability = 0 },
            Tilt = new TiltOptions { SlopeX = 0, SlopeY = 0 },
            TraceRetrace = new TraceRetraceOptions { Lag = 0.5e-3, RetraceOffset = 0 },
            ProbeOffsets = InstrumentOptions.TipOnly.ProbeOffsets,
        });
        var before = ChannelRegistration.Estimate(clean, scan.GetChannel("Height"), new RegistrationOptions { Feature = RegistrationFeature.Gradient });

        var corrected = new MidpointRegistration().Apply(scan);

        var after = ChannelRegistration.Estimate(clean, corrected.GetChannel("Height"), new RegistrationOptions { Feature = RegistrationFeature.Gradient });
        var retrace = ChannelRegistration.Estimate(clean, corrected.GetChannel("Height", ScanDirection.Retrace), new RegistrationOptions { Feature = RegistrationFeature.Gradient });
        Assert.True(before.Dx > 1, $"the uncorrected trace should sit over a pixel off the truth: {before}");
        Assert.InRange(after.Dx, -0.2, 0.2);
        Assert.InRange(retrace.Dx, -0.2, 0.2);
        Assert.Contains("Height: retrace−trace", corrected.Metadata[MidpointRegistration.MetadataKey], StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_NoRetrace_LeavesFrameAndSaysSo()
    {
        var data = Blobs(64, 32, seed: 2);
        var frame = new Frame(new FrameId(DateTimeOffset.UnixEpoch, 1), new ScanSettings { SizeX = 1e-6, SizeY = 0.5e-6, PixelsX = 64, PixelsY = 32, LineRateHz = 1 },
            [new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), 64, 32, data)]);

        var result = new MidpointRegistration().Apply(frame);

        Assert.Equal(data, result.GetChannel("Height").Data.ToArray());
        Assert.Contains("nothing moved", result.Metadata[MidpointRegistration.MetadataKey], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("register:midpoint", "register:midpoint")]
    [InlineData("register:midpoint:1", "register:midpoint:1")]
    [InlineData("register:midpoint:2", "register:midpoint")]
    public void Parse_MidpointStep_NamesItself(string step, string name)
    {
        var chain = ProcessingChain.ParseList(step);
        Assert.Equal(name, Assert.IsType<MidpointRegistration>(Assert.Single(chain.Operations)).Name);
    }

    [Theory]
    [InlineData("register:midpoint:4")]
    [InlineData("register:midpoint:crop")]
    public void Parse_BadMidpointStep_Throws(string step) => Assert.Throws<FormatException>(() => ProcessingChain.ParseList(step));

    private static (Channel Clean, Frame Scan) Simulated(InstrumentOptions instrument)
    {
        const int pixels = 128;
        const double field = 10e-6;
        var specimen = new ChromosomeSpecimen(11, new SpecimenOptions { FieldSizeX = field, FieldSizeY = field, ReferenceGridPixels = pixels });
        var settings = new ScanSettings { SizeX = field, SizeY = field, PixelsX = pixels, PixelsY = pixels, LineRateHz = 2 };
        var clean = IdealScan.Render(specimen, settings, instrument, new RenderOptions { Clean = true, IncludeRetrace = false }).GetChannel("Height");
        return (clean, IdealScan.Render(specimen, settings, instrument, new RenderOptions { NoiseSeed = 11 }));
    }

    // Round bumps of a few pixels at random places: structure in every column window.
    private static float[] Blobs(int width, int height, int seed)
    {
        var random = new Random(seed);
        var data = new float[width * height];
        for (var b = 0; b < width * height / 200; b++)
        {
            var (cx, cy, r) = (random.NextDouble() * width, random.NextDouble() * height, 2 + (4 * random.NextDouble()));
            for (var y = Math.Max(0, (int)(cy - (3 * r))); y < Math.Min(height, (int)(cy + (3 * r))); y++)
            {
                for (var x = Math.Max(0, (int)(cx - (3 * r))); x < Math.Min(width, (int)(cx + (3 * r))); x++)
                {
                    data[(y * width) + x] += (float)Math.Exp(-(((x - cx) * (x - cx)) + ((y - cy) * (y - cy))) / (r * r));
                }
            }
        }

        return data;
    }
}
