using AfmEdge.Core;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.VirtualAfm;

namespace AfmEdge.Simulation.Tests.VirtualAfm;

public sealed class ClosedLoopInstrumentTests
{
    private static readonly ScanSettings Scan = new() { SizeX = 2e-6, SizeY = 2e-6, PixelsX = 64, PixelsY = 64, LineRateHz = 1, Overscan = 0 };

    [Fact]
    public void PiezoTarget_TriangleSweep_TraceAndRetraceDifferByHysteresisMidSweep()
    {
        var options = InstrumentOptions.TipOnly with { Piezo = new PiezoOptions { Hysteresis = 0.02, Creep = 0 } };
        var model = new ClosedLoopInstrument(options, Scan, 1);
        double half = Scan.SizeX / 2;
        double traceMid = 0, retraceMid = 0;
        for (int line = 0; line < 3; line++)
        {
            for (int i = 0; i <= 100; i++)
            {
                double x = -half + (i * Scan.SizeX / 100);
                var (tx, _) = model.PiezoTarget(line, x, 0);
                if (i == 50)
                {
                    traceMid = tx;
                }
            }

            for (int i = 100; i >= 0; i--)
            {
                double x = -half + (i * Scan.SizeX / 100);
                var (tx, _) = model.PiezoTarget(line + 0.5, x, 0);
                if (i == 50)
                {
                    retraceMid = tx;
                }
            }
        }

        // The loop opens to Hysteresis × the sweep's length between the directions, the trace below its command.
        Assert.Equal(0.02 * Scan.SizeX, retraceMid - traceMid, 12);
        Assert.True(traceMid < 0 && retraceMid > 0);
        Assert.Equal(6, model.HalfLines); // three traces and three retraces (the first command is where it starts)
    }

    [Fact]
    public void PiezoTarget_AfterReturnToFrameStart_CreepsLogarithmically()
    {
        var options = InstrumentOptions.TipOnly with { Piezo = new PiezoOptions { Hysteresis = 0, Creep = 0.05, CreepTime = 2 } };
        var model = new ClosedLoopInstrument(options, Scan, 1);
        double half = Scan.SizeY / 2;

        // Down the frame in line steps (small moves do not creep), then back to the start in one run.
        for (int line = 0; line <= 64; line++)
        {
            model.PiezoTarget(line * 0.01, 0, -half + (line * Scan.SizeY / 64));
            model.PiezoTarget((line * 0.01) + 0.005, 0, -half + (line * Scan.SizeY / 64));
        }

        for (int k = 1; k <= 10; k++)
        {
            model.PiezoTarget(1 + (k * 0.01), 0, half - (k * Scan.SizeY / 10));
        }

        double end = 1.1;
        var (_, atEnd) = model.PiezoTarget(end, 0, -half);
        var (_, later) = model.PiezoTarget(end + 10, 0, -half);

        // Still displaced toward where it came from: Creep × the run, decaying as IdealScan's creep over a frame (64 s).
        Assert.Equal(-half + (0.05 * Scan.SizeY), atEnd, 12);
        Assert.Equal(-half + (0.05 * Scan.SizeY * PiezoModel.CreepRemaining(10, 2, 64)), later, 12);
    }

    [Fact]
    public void Sample_Drift_TipMeetsThePointVelocityTimesTimeBehind()
    {
        var options = InstrumentOptions.TipOnly with { Drift = new DriftOptions { VelocityX = 2e-9, VelocityY = -1e-9, VelocityZ = 0.5e-9 } };
        var model = new ClosedLoopInstrument(options, Scan, 1);
        var surface = new BumpSurface([new Bump(0, 0, 200e-9, 100e-9)]);
        model.PiezoTarget(0, 0, 0);

        // After 50 s the bump's top has moved to (100 nm, −50 nm) and risen 25 nm.
        model.Sample(surface, 50, 100e-9, -50e-9, out var top, out _, out _, out _);
        Assert.Equal(125e-9, top, 12);
    }

    [Fact]
    public void Sample_TiltAndProbeOffsets_FieldsReadAtEachProbe()
    {
        var options = InstrumentOptions.TipOnly with
        {
            Tilt = new TiltOptions { SlopeX = 0.01, SlopeY = -0.02 },
            ProbeOffsets = new ProbeOffsetOptions { Current = new() { Dx = 300e-9, Dy = 0 }, Potential = new() { Dx = 0, Dy = -200e-9 } },
        };
        var model = new ClosedLoopInstrument(options, Scan, 1);
        var surface = new BumpSurface([new Bump(0, 0, 100e-9, 100e-9)]);
        model.PiezoTarget(0, 0, 0);

        // Probe 1 at (−300 nm, 0): the current probe sits on the bump's top.
        model.Sample(surface, 0, -300e-9, 0, out var height, out var current, out _, out _);
        Assert.Equal(surface.HeightAt(-300e-9, 0) - 3e-9, height, 12);
        Assert.Equal(surface.CurrentAt(0, 0), current, 15);

        // Probe 1 at (0, 200 nm): the potential probe sits on the top.
        model.Sample(surface, 0, 0, 200e-9, out _, out _, out var potential, out _);
        Assert.Equal(surface.PotentialAt(0, 0), potential, 12);
    }

    [Fact]
    public void Sample_SameSeed_SameNoise_OtherSeed_Differs()
    {
        static double[] Run(long seed)
        {
            var model = new ClosedLoopInstrument(new InstrumentOptions { Drift = new DriftOptions { VelocityX = 0, VelocityY = 0, VelocityZ = 0 } }, Scan, seed);
            var surface = new BumpSurface([]);
            var heights = new double[200];
            for (int i = 0; i < heights.Length; i++)
            {
                double x = -1e-6 + (i * 1e-8);
                var (tx, ty) = model.PiezoTarget(i * 0.005, x, 0);
                model.Sample(surface, i * 0.005, tx, ty, out heights[i], out _, out _, out _);
            }

            return heights;
        }

        Assert.Equal(Run(3), Run(3));
        Assert.NotEqual(Run(3), Run(4));
        var noise = Run(3);
        double mean = noise.Average();
        double rms = Math.Sqrt(noise.Select(h => (h - mean) * (h - mean)).Average());
        Assert.InRange(rms, 0.1e-9, 5e-9); // white + 1/f + row offset of the default Height noise, 0.3 + 0.3 + 1 nm
    }

    [Fact]
    public void Constructor_BadOptions_ThrowsNamingField()
    {
        var options = new InstrumentOptions { Tip = new TipOptions { ApexRadius = 0 } };
        var e = Assert.Throws<ArgumentException>(() => new ClosedLoopInstrument(options, Scan, 1));
        Assert.Contains("Tip.ApexRadius", e.Message, StringComparison.Ordinal);
    }
}

public sealed class DilatedSurfaceTests
{
    [Fact]
    public void HeightAt_ParaboloidOverStep_WidensByTheAnalyticAmount()
    {
        // A 100 nm step at x = 0: a paraboloid of radius R touches its edge from x = −√(2Rh), where it records h − x²/2R.
        var step = new StepSurface(0, 100e-9);
        var tip = new TipOptions { Shape = TipShape.Paraboloid, ApexRadius = 20e-9 };
        var surface = new DilatedSurface(step, -500e-9, -100e-9, 500e-9, 100e-9, 2e-9, tip);

        double reach = Math.Sqrt(2 * 20e-9 * 100e-9);
        Assert.Equal(100e-9, surface.HeightAt(1e-9, 0), 10);
        Assert.Equal(100e-9 - (reach / 2 * reach / 2 / (2 * 20e-9)), surface.HeightAt(-reach / 2, 0), 9);
        Assert.Equal(0, surface.HeightAt(-reach - 10e-9, 0), 10);

        // Outside the window the tip is a point.
        Assert.Equal(0, surface.HeightAt(-600e-9, 0), 15);
    }

    [Fact]
    public void Constructor_TooFineGrid_ThrowsNamingSpacing()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new DilatedSurface(new BumpSurface([]), 0, 0, 1e-3, 1e-3, 1e-9, new TipOptions()));
        Assert.Equal("spacing", e.ParamName);
    }

    private sealed class StepSurface(double edge, double height) : ISurface
    {
        public double HeightAt(double x, double y) => x >= edge ? height : 0;
    }
}
