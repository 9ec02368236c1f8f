using Xunit;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Tests.Specimens;

namespace AfmEdge.Simulation.Tests.Instrument;

public sealed class InstrumentModelTests
{
    private static readonly RenderOptions TraceOnly = new() { IncludeRetrace = false };

    [Theory]
    [InlineData(20e-9, 100e-9)]
    [InlineData(10e-9, 250e-9)]
    public void ParaboloidTip_OverStep_WidensByAnalyticAmount(double radius, double stepHeight)
    {
        // 1 µm scan, 400 px (2.5 nm), one sample per pixel; the edge sits on a pixel centre.
        var scan = TestScans.Square(1e-6, 400) with { PixelsY = 8 };
        var pixel = scan.PixelSizeX;
        var edge = 200.5 * pixel;
        var instrument = InstrumentOptions.TipOnly with
        {
            Tip = new TipOptions { Shape = TipShape.Paraboloid, ApexRadius = radius },
            FastAxisSubsamples = 1,
        };

        var row = IdealScan.Render(new StepSpecimen(edge, stepHeight), scan, instrument, TraceOnly).GetChannel("Height").Row(4).ToArray();

        // Left of the edge the apex hangs on the step's corner: z(x) = H − (edge − x)² / 2R while positive.
        for (var i = 150; i < 200; i++)
        {
            var distance = edge - ((i + 0.5) * pixel);
            var expected = Math.Max(0, stepHeight - (distance * distance / (2 * radius)));
            Assert.True(Math.Abs(row[i] - expected) < 0.01 * stepHeight, $"pixel {i}: {row[i] * 1e9:F2} nm, expected {expected * 1e9:F2} nm");
        }

        // The step is widened by √(2RH) at its foot.
        var firstRaised = Enumerable.Range(0, 400).First(i => row[i] > 0.005 * stepHeight);
        var measured = edge - ((firstRaised - 0.5) * pixel);
        var analytic = Math.Sqrt(2 * radius * stepHeight);
        Assert.True(Math.Abs(measured - analytic) <= 1.5 * pixel, $"widening {measured * 1e9:F1} nm, analytic {analytic * 1e9:F1} nm");
    }

    [Fact]
    public void ConeTip_OverTallStep_WidensByConeSlope()
    {
        var scan = TestScans.Square(2e-6, 400) with { PixelsY = 8 };
        var pixel = scan.PixelSizeX;
        var edge = 300.5 * pixel;
        const double Height = 300e-9;
        var tip = new TipOptions { Shape = TipShape.Cone, ApexRadius = 10e-9, HalfAngleDegrees = 20 };
        var instrument = InstrumentOptions.TipOnly with { Tip = tip, FastAxisSubsamples = 1 };

        var row = IdealScan.Render(new StepSpecimen(edge, Height), scan, instrument, TraceOnly).GetChannel("Height").Row(4).ToArray();

        var firstRaised = Enumerable.Range(0, 400).First(i => row[i] > 1e-9);
        var measured = edge - ((firstRaised - 0.5) * pixel);

        // The foot of the image lies where the tip surface has risen by the step height.
        var analytic = Enumerable.Range(0, 100_000).Select(k => k * 0.01e-9).First(r => tip.Profile(r) >= Height - 1e-9);
        Assert.True(Math.Abs(measured - analytic) <= 1.5 * pixel, $"widening {measured * 1e9:F1} nm, analytic {analytic * 1e9:F1} nm");
    }

    [Fact]
    public void Drift_MovesFeaturesByExpectedPixels()
    {
        const double Size = 4e-6;
        const int Pixels = 64;
        var scan = TestScans.Square(Size, Pixels, lineRate: 1.0);
        var specimen = new BumpSpecimen(2.0e-6, 2.0e-6, 150e-9, 50e-9);
        var still = InstrumentOptions.TipOnly;
        const double Vx = 10e-9;
        const double Vy = -5e-9;
        var drifting = still with { Drift = new DriftOptions { VelocityX = Vx, VelocityY = Vy, VelocityZ = 0 } };

        var (u0, v0) = Centroid(IdealScan.Render(specimen, scan, still, TraceOnly).GetChannel("Height").Data, Pixels, scan.PixelSizeX);
        var (u1, v1) = Centroid(IdealScan.Render(specimen, scan, drifting, TraceOnly).GetChannel("Height").Data, Pixels, scan.PixelSizeX);

        // A feature at (u0, v0) is seen where the tip meets it: u = u0 + Vx·t, v = v0 + Vy·t, with the
        // tip at time t = (v/py − ½)/rate + (u/size)·(½/rate) on its trace.
        var line = 1.0 / scan.LineRateHz;
        var a = line / scan.PixelSizeY;
        var b = 0.5 * line / Size;
        var c = -0.5 * line;
        var t = ((a * v0) + (b * u0) + c) / (1 - (a * Vy) - (b * Vx));
        var expectedDu = Vx * t / scan.PixelSizeX;
        var expectedDv = Vy * t / scan.PixelSizeY;

        Assert.True(Math.Abs(expectedDu) > 4, "the test must move the bump by several pixels");
        Assert.InRange((u1 - u0) / scan.PixelSizeX, expectedDu - 0.15, expectedDu + 0.15);
        Assert.InRange((v1 - v0) / scan.PixelSizeY, expectedDv - 0.15, expectedDv + 0.15);
    }

    [Fact]
    public void ProbeOffsets_ShiftEachProbesImageByItsOffset()
    {
        const int Pixels = 64;
        var scan = TestScans.Square(4e-6, Pixels);
        var specimen = new BumpSpecimen(2.0e-6, 2.0e-6, 150e-9, 50e-9);
        var instrument = InstrumentOptions.TipOnly with
        {
            ProbeOffsets = new ProbeOffsetOptions
            {
                Current = new ProbeOffset { Dx = 250e-9, Dy = -125e-9 },
                Potential = new ProbeOffset { Dx = -500e-9, Dy = 375e-9 },
            },
        };

        var frame = IdealScan.Render(specimen, scan, instrument, TraceOnly);
        var (hu, hv) = Centroid(frame.GetChannel("Height").Data, Pixels, scan.PixelSizeX);
        var (cu, cv) = Centroid(frame.GetChannel("Current").Data, Pixels, scan.PixelSizeX);
        var (pu, pv) = Centroid(frame.GetChannel("Potential").Data, Pixels, scan.PixelSizeX);

        // A probe at +dx reaches a feature when probe 1 is still dx before it: its image is shifted by −dx.
        Assert.InRange(cu - hu, -250e-9 - 10e-9, -250e-9 + 10e-9);
        Assert.InRange(cv - hv, 125e-9 - 10e-9, 125e-9 + 10e-9);
        Assert.InRange(pu - hu, 500e-9 - 10e-9, 500e-9 + 10e-9);
        Assert.InRange(pv - hv, -375e-9 - 10e-9, -375e-9 + 10e-9);
    }

    [Fact]
    public void Feedback_TrailingEdge_ParachutesMoreAtHigherLineRate()
    {
        var scan = TestScans.Square(10e-6, 256) with { PixelsY = 8 };
        var specimen = new PlateauSpecimen(3e-6, 6e-6, 200e-9);
        var instrument = InstrumentOptions.TipOnly with
        {
            Feedback = new FeedbackOptions { Enabled = true, ProportionalGain = 1, IntegralGain = 2000, ErrorSaturation = 10e-9 },
        };

        var ideal = Width(IdealScan.Render(specimen, scan, InstrumentOptions.TipOnly, TraceOnly).GetChannel("Height").Row(4));
        var slow = Width(IdealScan.Render(specimen, scan with { LineRateHz = 0.5 }, instrument, TraceOnly).GetChannel("Height").Row(4));
        var fast = Width(IdealScan.Render(specimen, scan with { LineRateHz = 4 }, instrument, TraceOnly).GetChannel("Height").Row(4));
        var retrace = IdealScan.Render(specimen, scan with { LineRateHz = 4 }, instrument);
        var traceRow = retrace.GetChannel("Height").Row(4);
        var retraceRow = retrace.GetChannel("Height", AfmEdge.Core.ScanDirection.Retrace).Row(4);

        Assert.True(slow >= ideal, $"slow {slow} px vs ideal {ideal} px");
        Assert.True(fast > slow + 2, $"fast {fast} px vs slow {slow} px");

        // The trace parachutes off the right edge, the retrace off the left one.
        Assert.True(traceRow[160] > retraceRow[160], "trace tail at the plateau's right edge");
        Assert.True(retraceRow[74] > traceRow[74], "retrace tail at the plateau's left edge");
    }

    [Fact]
    public void Feedback_HeightIncludesError_IsTheSurfaceInContactAndTheFreeTipOffAnEdge()
    {
        var scan = TestScans.Square(10e-6, 256) with { PixelsY = 8, LineRateHz = 4 };
        var specimen = new PlateauSpecimen(3e-6, 6e-6, 200e-9);
        var feedback = new FeedbackOptions { Enabled = true, ProportionalGain = 1, IntegralGain = 2000, ErrorSaturation = 10e-9 };
        var surface = IdealScan.Render(specimen, scan, InstrumentOptions.TipOnly, TraceOnly).GetChannel("Height").Row(4).ToArray();
        var zCommand = IdealScan.Render(specimen, scan, InstrumentOptions.TipOnly with { Feedback = feedback }, TraceOnly).GetChannel("Height").Row(4).ToArray();
        var withError = IdealScan.Render(specimen, scan, InstrumentOptions.TipOnly with { Feedback = feedback with { HeightIncludesError = true } }, TraceOnly)
            .GetChannel("Height").Row(4).ToArray();

        // Never below the surface; on it across the plateau's top and its rising edge, where the tip is in contact.
        Assert.All(withError.Zip(surface), p => Assert.True(p.First >= p.Second - 1e-12, $"{p.First} below the surface {p.Second}"));
        for (var i = 60; i < 150; i++)
        {
            Assert.Equal(surface[i], withError[i], 1e-12);
        }

        // The Z command lags on the rising edge; the free tip still trails off the falling one, as parachuting does.
        Assert.True(Math.Abs(zCommand[77] - surface[77]) > 1e-9, "the command lags the rising edge");
        Assert.True(withError[160] > surface[160] + 50e-9, "the free tip off the trailing edge");
    }

    [Fact]
    public void HalfResolutionScan_AveragesOverDwellAlongFastAxis_SamplesLinesAlongSlowAxis()
    {
        // Stripes with a period of two (half-resolution) pixels: a pixel's dwell covers half a period.
        const int Pixels = 32;
        const double Size = 3.2e-6;
        var pixel = Size / Pixels;
        var scan = TestScans.Square(Size, Pixels);
        var instrument = InstrumentOptions.TipOnly with { Tip = new TipOptions { ApexRadius = 1e-9 }, FastAxisSubsamples = 16 };

        var fast = IdealScan.Render(new StripeSpecimen(2 * pixel, alongX: true, 1e-9), scan, instrument, TraceOnly).GetChannel("Height");
        var slow = IdealScan.Render(new StripeSpecimen(2 * pixel, alongX: false, 1e-9), scan, instrument, TraceOnly).GetChannel("Height");

        // Along x: the mean of sin over half a period, ±2/π, not the centre value sin(π(i + ½)) = ±1.
        // (16-point midpoint rule: within 0.4% of 2/π.) Along y: each line is a point sample, ±1.
        for (var i = 0; i < Pixels; i++)
        {
            var sign = i % 2 == 0 ? 1 : -1;
            Assert.InRange(fast[i, 10] * sign, 0.996 * 2 / Math.PI * 1e-9, 1.004 * 2 / Math.PI * 1e-9);
            Assert.InRange(slow[10, i] * sign, 0.999e-9, 1.001e-9);
        }
    }

    [Fact]
    public void TraceRetrace_HysteresisOffsetAndLag_SeparateTheImagesByTheirSum()
    {
        const int Pixels = 128;
        const double Size = 4e-6;
        var scan = TestScans.Square(Size, Pixels);
        var specimen = new BumpSpecimen(2.0e-6, 2.0e-6, 150e-9, 50e-9);
        var instrument = InstrumentOptions.TipOnly with
        {
            Piezo = new PiezoOptions { Hysteresis = 0.02, Creep = 0 },
            TraceRetrace = new TraceRetraceOptions { Lag = 0.5e-3, RetraceOffset = 20e-9 },
        };

        var frame = IdealScan.Render(specimen, scan, instrument);
        var (traceU, traceV) = Centroid(frame.GetChannel("Height").Data, Pixels, scan.PixelSizeX);
        var (retraceU, retraceV) = Centroid(frame.GetChannel("Height", AfmEdge.Core.ScanDirection.Retrace).Data, Pixels, scan.PixelSizeX);

        // Mid-line, hysteresis puts the trace ½·h·size behind and the retrace as far ahead; the retrace offset
        // shifts the retrace; a lag shifts each direction back along its motion by lag × speed.
        var speed = Size / (0.5 / scan.LineRateHz);
        var expected = (0.02 * Size) + 20e-9 + (2 * 0.5e-3 * speed);
        Assert.InRange(traceU - retraceU, expected - 5e-9, expected + 5e-9);
        Assert.InRange(traceV - retraceV, -1e-9, 1e-9);
    }

    [Fact]
    public void Creep_EarlyLines_ShiftedByLogarithmicDecay()
    {
        const int Pixels = 64;
        const double Size = 4e-6;
        var scan = TestScans.Square(Size, Pixels);
        var specimen = new BumpSpecimen(2.0e-6, 0.6e-6, 150e-9, 50e-9);
        var piezo = new PiezoOptions { Hysteresis = 0, Creep = 0.1, CreepTime = 5.0 };

        var (_, still) = Centroid(IdealScan.Render(specimen, scan, InstrumentOptions.TipOnly, TraceOnly).GetChannel("Height").Data, Pixels, scan.PixelSizeX);
        var (_, crept) = Centroid(IdealScan.Render(specimen, scan, InstrumentOptions.TipOnly with { Piezo = piezo }, TraceOnly).GetChannel("Height").Data, Pixels, scan.PixelSizeX);

        // The line that should sit at v is really at v + creep(t), so the bump shows up creep(t) earlier, at
        // the line v = v0 − creep(t(v)) with t(v) the time of that line (its trace's midpoint).
        var frame = Pixels / scan.LineRateHz;
        double Creep(double v) => 0.1 * Size * (1 - (Math.Log(1 + ((((v / scan.PixelSizeY) - 0.25) / scan.LineRateHz) / 5.0)) / Math.Log(1 + (frame / 5.0))));
        var seen = still;
        for (var k = 0; k < 50; k++)
        {
            seen = still - Creep(seen);
        }

        var creep = still - seen;
        Assert.True(creep > 2 * scan.PixelSizeY, "the test must creep by a few lines");
        Assert.InRange((crept - still) / scan.PixelSizeY, (-creep / scan.PixelSizeY) - 0.25, (-creep / scan.PixelSizeY) + 0.25);
    }

    [Fact]
    public void Scars_EveryLine_AddOneStreakOfTheRequestedSize()
    {
        const int Pixels = 64;
        var scan = TestScans.Square(4e-6, Pixels);
        var instrument = InstrumentOptions.TipOnly with { Scars = new ScarOptions { Probability = 1, MeanLength = 0.2, Height = 20e-9 } };

        var height = IdealScan.Render(new StepSpecimen(1, 0), scan, instrument, TraceOnly).GetChannel("Height");

        for (var j = 0; j < Pixels; j++)
        {
            var row = height.Row(j).ToArray();
            var marked = Enumerable.Range(0, Pixels).Where(i => row[i] != 0).ToList();
            Assert.NotEmpty(marked);
            Assert.Equal(marked.Count, marked[^1] - marked[0] + 1);
            Assert.All(marked, i => Assert.InRange(Math.Abs(row[i]), 10e-9 * 0.999, 30e-9 * 1.001));
        }
    }

    [Fact]
    public void Noise_RequestedWhiteNoise_HasRequestedStandardDeviation()
    {
        var scan = TestScans.Square(4e-6, 128);
        var instrument = InstrumentOptions.TipOnly with
        {
            Noise = new NoiseOptions { Height = new ChannelNoise { White = 1e-9 }, Current = new(), Potential = new(), Adhesion = new() },
        };
        var flat = new StepSpecimen(1, 0);

        var data = IdealScan.Render(flat, scan, instrument, TraceOnly).GetChannel("Height").Data.ToArray();
        var mean = data.Average(v => (double)v);
        var std = Math.Sqrt(data.Average(v => (v - mean) * (v - mean)));

        Assert.InRange(std, 0.97e-9, 1.03e-9);
    }

    private static (double U, double V) Centroid(ReadOnlySpan<float> data, int pixels, double pixelSize)
    {
        double sum = 0, su = 0, sv = 0;
        for (var j = 0; j < pixels; j++)
        {
            for (var i = 0; i < pixels; i++)
            {
                double w = data[(j * pixels) + i];
                sum += w;
                su += w * (i + 0.5) * pixelSize;
                sv += w * (j + 0.5) * pixelSize;
            }
        }

        return (su / sum, sv / sum);
    }

    private static int Width(ReadOnlySpan<float> row)
    {
        var count = 0;
        foreach (var v in row)
        {
            count += v > 100e-9 ? 1 : 0;
        }

        return count;
    }
}
