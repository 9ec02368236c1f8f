using AfmEdge.Core;
using CsCheck;

namespace AfmEdge.Control.Tests;

// For random configurations, random live commands between lines and a random injected fault, every
// DAC code that reaches a chip lies inside its axis window and no two successive codes on an axis
// differ by more than the slew limit allows per point. Invalid configurations must be refused with
// nothing moved.
public sealed class SafetyPropertyTests
{
    private static readonly Gen<ScanEngineOptions> Configs =
        Gen.Select(
            Gen.Int[8, 20],
            Gen.Double[4, 40],
            Gen.Double[-180, 180],
            Gen.Double[0.5e-6, 3e-6],
            Gen.Double[0, 0.3],
            Gen.Double[-1.5e-6, 1.5e-6],
            Gen.Double[3, 10],
            Gen.Double[40, 400])
        .Select(Gen.Double[-10, -4], Gen.Double[4, 10], Gen.Double[0.5, 4], (t, zMin, zMax, zSlewFactor) =>
        {
            var (pixels, rate, angle, size, overscan, offset, xyWindow, xySlew) = t;
            var scan = new ScanSettings
            {
                SizeX = size,
                SizeY = size,
                PixelsX = pixels,
                PixelsY = pixels,
                LineRateHz = rate,
                AngleDegrees = angle,
                Overscan = overscan,
                OffsetX = offset,
                OffsetY = -offset,
            };
            var options = VirtualRig.DefaultOptions() with
            {
                Scan = scan,
                X = new AxisCalibration(0.5e-6, -xyWindow, xyWindow, xySlew),
                Y = new AxisCalibration(0.5e-6, -xyWindow, xyWindow, xySlew),
                Z = new AxisCalibration(50e-9, zMin, zMax, (zMax - zMin) * rate * zSlewFactor),
            };
            return options with { Gains = VirtualRig.StableGains(options) };
        });

    private static readonly Gen<(int Line, double Setpoint, double GainScale)[]> Commands =
        Gen.Select(Gen.Int[0, 12], Gen.Double[0.2, 1.5], Gen.Double[0.1, 3.0]).Array[0, 4];

    private static readonly Gen<(int Line, InjectedFault? Fault)> Faults =
        Gen.Select(Gen.Int[0, 10], Gen.Int[-4, 10], (line, f) => (line, f < 0 ? (InjectedFault?)null : (InjectedFault)f));

    private int _scanned;
    private int _refused;

    [Fact]
    public void Scan_RandomConfigsCommandsAndFaults_NoCodeOutsideLimitsNoStepBeyondSlew()
    {
        Gen.Select(Configs, Commands, Faults).Sample(
            c => Check(c.Item1, c.Item2, c.Item3),
            iter: 40,
            threads: 1,
            seed: null);

        // Both branches of the property must have been exercised.
        Assert.True(_scanned >= 10, $"only {_scanned} valid configurations scanned");
        Assert.True(_refused >= 1, "no invalid configuration generated");
    }

    private void Check(ScanEngineOptions options, (int Line, double Setpoint, double GainScale)[] commands, (int Line, InjectedFault? Fault) fault)
    {
        var recorders = new List<RecordingSpiDevice>();
        if (options.Validate().Count > 0)
        {
            var e = Assert.Throws<ArgumentException>(() => new VirtualRig(options, wrapDac: spi => Record(recorders, spi)));
            Assert.Contains("Invalid scan options", e.Message, StringComparison.Ordinal);
            Assert.All(recorders, r => Assert.Empty(r.DacCodes));
            _refused++;
            return;
        }

        _scanned++;
        using var rig = new VirtualRig(options, wrapDac: spi => Record(recorders, spi));
        using var cancel = new CancellationTokenSource();
        int nextCommand = 0;
        Array.Sort(commands, (a, b) => a.Line.CompareTo(b.Line));
        bool injected = false;
        using var timer = rig.Clock.CreateTimer(
            _ =>
            {
                long lines = rig.Engine.Statistics.LinesCompleted;
                while (nextCommand < commands.Length && commands[nextCommand].Line <= lines)
                {
                    var (_, setpoint, scale) = commands[nextCommand++];
                    rig.Engine.SetSetpoint(setpoint);
                    var g = VirtualRig.StableGains(options);
                    rig.Engine.SetGains(g with { Proportional = g.Proportional * scale, Integral = g.Integral * scale });
                }

                if (!injected && fault.Fault is InjectedFault f && lines >= fault.Line)
                {
                    injected = true;
                    InjectFault(rig, f, cancel);
                }
            },
            null,
            TimeSpan.FromMilliseconds(1),
            TimeSpan.FromMilliseconds(1));

        var result = rig.ScanAsync(cancellationToken: cancel.Token).GetAwaiter().GetResult();
        Assert.True(result.Error is null or ScanFaultException or OperationCanceledException, result.Error?.ToString());

        var (x, y, z) = rig.Engine.Axes;
        DacAxis[] axes = [x, y, z];
        for (int a = 0; a < 3; a++)
        {
            var codes = recorders[a].DacCodes;
            Assert.NotEmpty(codes);
            for (int i = 0; i < codes.Count; i++)
            {
                Assert.InRange(codes[i], axes[a].MinCode, axes[a].MaxCode);
                if (i > 0)
                {
                    long step = Math.Abs((long)codes[i] - codes[i - 1]);
                    Assert.True(step <= axes[a].MaxStepCodes, $"{axes[a].Name}: step of {step} codes at write {i} exceeds the slew limit of {axes[a].MaxStepCodes}.");
                }
            }
        }

        // Whatever happened, the tip ends retracted.
        // (MinCode rounds up into the window, so up to one LSB above MinVolts.)
        Assert.InRange(rig.Afm.DacZ.OutputVoltage, options.Z.MinVolts, options.Z.MinVolts + (2 * rig.DacZ.LsbVolts));
    }

    private static RecordingSpiDevice Record(List<RecordingSpiDevice> recorders, System.Device.Spi.SpiDevice spi)
    {
        var r = new RecordingSpiDevice(spi);
        recorders.Add(r);
        return r;
    }

    private static void InjectFault(VirtualRig rig, InjectedFault fault, CancellationTokenSource cancel)
    {
        switch (fault)
        {
            case InjectedFault.AdcSpi: rig.Afm.AdcSpi.FailNextTransfers(1); break;
            case InjectedFault.DacXSpi: rig.Afm.DacXSpi.FailNextTransfers(1); break;
            case InjectedFault.DacZSpi: rig.Afm.DacZSpi.FailNextTransfers(2); break;
            case InjectedFault.BusyNeverFalls: rig.Afm.Adc.BusyFault = Simulation.Electronics.BusyFault.NeverFalls; break;
            case InjectedFault.BusyNeverRises: rig.Afm.Adc.BusyFault = Simulation.Electronics.BusyFault.NeverRises; break;
            case InjectedFault.Stuck: rig.Afm.Adc.InjectStuckChannel(0, 1638); break;
            case InjectedFault.Saturated: rig.Afm.Adc.InjectSaturation(0, positive: false); break;
            case InjectedFault.SlowConversion: rig.Afm.Adc.ExtraConversionDelay = TimeSpan.FromMilliseconds(5); break;
            case InjectedFault.SurfaceDropped: rig.Surface.Offset = -2e-6; break;
            case InjectedFault.SurfaceRaised: rig.Surface.Offset = 0.7e-6; break;
            default: cancel.Cancel(); break;
        }
    }
}
