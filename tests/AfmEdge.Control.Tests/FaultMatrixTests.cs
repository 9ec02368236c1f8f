using AfmEdge.Simulation.Electronics;

namespace AfmEdge.Control.Tests;

public enum InjectedFault
{
    AdcSpi,
    DacXSpi,
    DacZSpi,
    BusyNeverFalls,
    BusyNeverRises,
    Stuck,
    Saturated,
    SlowConversion,
    SurfaceDropped,
    SurfaceRaised,
    Cancel,
}

// Every fault kind, injected from the virtual clock (on the scan thread, so deterministically) once two
// lines are out: Z retracted within one line, a fault event with a reason, the scan stopped, no line lost.
public sealed class FaultMatrixTests
{
    [Theory]
    [InlineData(InjectedFault.AdcSpi, ScanFaultKind.SpiFailure)]
    [InlineData(InjectedFault.DacXSpi, ScanFaultKind.SpiFailure)]
    [InlineData(InjectedFault.DacZSpi, ScanFaultKind.SpiFailure)]
    [InlineData(InjectedFault.BusyNeverFalls, ScanFaultKind.BusyTimeout)]
    [InlineData(InjectedFault.BusyNeverRises, ScanFaultKind.BusyTimeout)]
    [InlineData(InjectedFault.Stuck, ScanFaultKind.AdcStuck)]
    [InlineData(InjectedFault.Saturated, ScanFaultKind.AdcSaturated)]
    [InlineData(InjectedFault.SlowConversion, ScanFaultKind.DeadlineMissed)]
    [InlineData(InjectedFault.SurfaceDropped, ScanFaultKind.ZOutOfRange)]
    [InlineData(InjectedFault.SurfaceRaised, ScanFaultKind.ZOutOfRange)]
    [InlineData(InjectedFault.Cancel, ScanFaultKind.Shutdown)]
    public async Task Inject_AfterTwoLines_RetractsWithinOneLineAndReports(InjectedFault injected, ScanFaultKind expected)
    {
        using var rig = new VirtualRig();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var events = new List<ScanFault>();
        TimeSpan retractTook = TimeSpan.MaxValue;
        rig.Engine.Faulted += (_, f) =>
        {
            events.Add(f);
            retractTook = rig.Clock.GetUtcNow() - f.Time;
        };

        bool injectedOnce = false;
        using var trigger = rig.Clock.CreateTimer(
            _ =>
            {
                if (!injectedOnce && rig.Engine.Statistics.LinesCompleted >= 2)
                {
                    injectedOnce = true;
                    Inject(rig, injected, cancel);
                }
            },
            null,
            TimeSpan.FromMilliseconds(1),
            TimeSpan.FromMilliseconds(1));

        var result = await rig.ScanAsync(cancellationToken: cancel.Token);

        Assert.True(injectedOnce);
        var fault = Assert.Single(events);
        Assert.Equal(expected, fault.Kind);
        Assert.False(string.IsNullOrWhiteSpace(fault.Reason));
        if (expected == ScanFaultKind.Shutdown)
        {
            Assert.IsAssignableFrom<OperationCanceledException>(result.Error);
        }
        else
        {
            var error = Assert.IsType<ScanFaultException>(result.Error);
            Assert.Same(fault, error.Fault);
        }

        // Retracted, within one line time.
        Assert.Equal(-10.0, rig.Afm.DacZ.OutputVoltage, 3);
        Assert.InRange(retractTook, TimeSpan.Zero, rig.Options.Scan.LineTime);
        Assert.False(rig.Engine.IsEngaged);

        // No line lost before the fault: lines 0..k-1 arrived in order and k is the faulted line.
        Assert.Equal(Enumerable.Range(0, result.Lines.Count), result.Lines);
        Assert.Equal(fault.LineIndex, result.Lines.Count);
        Assert.True(result.Lines.Count >= 2);

        // Stopped cleanly: the loop is free again.
        rig.Afm.Adc.ClearFaults();
        rig.Afm.AdcSpi.FailNextTransfers(0);
        rig.Afm.DacXSpi.FailNextTransfers(0);
        rig.Afm.DacZSpi.FailNextTransfers(0);
        await rig.Engine.RetractAsync(TestContext.Current.CancellationToken);
    }

    private static void Inject(VirtualRig rig, InjectedFault fault, CancellationTokenSource cancel)
    {
        switch (fault)
        {
            case InjectedFault.AdcSpi:
                rig.Afm.AdcSpi.FailNextTransfers(1);
                break;
            case InjectedFault.DacXSpi:
                rig.Afm.DacXSpi.FailNextTransfers(1);
                break;
            case InjectedFault.DacZSpi:
                rig.Afm.DacZSpi.FailNextTransfers(1_000_000); // even the retract ramp fails: CLR must do it
                break;
            case InjectedFault.BusyNeverFalls:
                rig.Afm.Adc.BusyFault = BusyFault.NeverFalls;
                break;
            case InjectedFault.BusyNeverRises:
                rig.Afm.Adc.BusyFault = BusyFault.NeverRises;
                break;
            case InjectedFault.Stuck:
                rig.Afm.Adc.InjectStuckChannel(0, 1638);
                break;
            case InjectedFault.Saturated:
                rig.Afm.Adc.InjectSaturation(0);
                break;
            case InjectedFault.SlowConversion:
                rig.Afm.Adc.ExtraConversionDelay = TimeSpan.FromMilliseconds(5);
                break;
            case InjectedFault.SurfaceDropped:
                rig.Surface.Offset = -2e-6;
                break;
            case InjectedFault.SurfaceRaised:
                rig.Surface.Offset = 0.7e-6;
                break;
            default:
                cancel.Cancel();
                break;
        }
    }
}

public sealed class OscillationTests
{
    [Fact]
    public async Task SetGains_TooHigh_OscillationDetectedAndRetracted()
    {
        using var rig = new VirtualRig();
        var stable = VirtualRig.StableGains(rig.Options);
        var result = await rig.ScanAsync(
            onLine: i =>
            {
                if (i == 1)
                {
                    // Integral step of 2.4× the error per point: past the discrete loop's stability limit of 2.
                    rig.Engine.SetGains(stable with { Integral = stable.Integral * 6 });
                }
            },
            cancellationToken: TestContext.Current.CancellationToken);

        var error = Assert.IsType<ScanFaultException>(result.Error);
        Assert.Equal(ScanFaultKind.Oscillation, error.Fault.Kind);
        Assert.Contains("oscillates", error.Fault.Reason, StringComparison.Ordinal);
        Assert.Equal(-10.0, rig.Afm.DacZ.OutputVoltage, 3);
    }

    [Fact]
    public async Task RunAsync_StableGains_NoOscillation()
    {
        using var rig = new VirtualRig(VirtualRig.DefaultOptions(pixels: 32));
        var result = await rig.ScanAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Null(result.Error);
        Assert.Null(rig.Engine.LastFault);
    }
}
