using AfmEdge.Core;
using AfmEdge.Simulation.Electronics;

namespace AfmEdge.Control.Tests;

public sealed class ScanEngineTests
{
    [Fact]
    public async Task RunAsync_OneFrame_AllLinesInOrderAndBumpRecovered()
    {
        using var rig = new VirtualRig();
        var result = await rig.ScanAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Null(result.Error);
        Assert.Equal(Enumerable.Range(0, 16), result.Lines);
        Assert.False(rig.Engine.IsEngaged); // retracted at the end of the scan
        Assert.Equal(-10.0, rig.Afm.DacZ.OutputVoltage, 3);

        // Centre pixel sits on the 100 nm bump, the corner on the substrate.
        double centre = result.Heights[8][8];
        double corner = result.Heights[0][0];
        Assert.InRange(centre - corner, 70e-9, 110e-9); // truth there: 95.7 nm, less the feedback's lag
        Assert.InRange(result.RetraceHeights[8][8] - result.RetraceHeights[0][0], 70e-9, 110e-9);
    }

    [Fact]
    public async Task RunAsync_SteadyState_AllocatesNothingPerLine()
    {
        using var rig = new VirtualRig(VirtualRig.DefaultOptions(pixels: 32));
        var result = await rig.ScanAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Null(result.Error);
        Assert.Equal(32, rig.Engine.Statistics.LinesCompleted);
        Assert.Equal(0, rig.Engine.Statistics.MaxAllocatedBytesPerLine);
    }

    [Fact]
    public async Task RunAsync_Channels_TraceThenRetraceOfEachName()
    {
        using var rig = new VirtualRig();
        var keys = rig.Engine.Channels.Select(c => c.Key).ToArray();
        Assert.Equal(["Height", "Deflection", "Current", "Potential", "Height-retrace", "Deflection-retrace", "Current-retrace", "Potential-retrace"], keys);
        var result = await rig.ScanAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Null(result.Error);
    }

    [Fact]
    public async Task SetSetpoint_BetweenLines_TakesEffect()
    {
        using var rig = new VirtualRig();
        var result = await rig.ScanAsync(
            onLine: i =>
            {
                if (i == 2)
                {
                    rig.Engine.SetSetpoint(1.0);
                }
            },
            cancellationToken: TestContext.Current.CancellationToken);

        // Twice the deflection: Z extends 0.5 V / (1e7 V/m) = 50 nm further, so the substrate reads 50 nm lower.
        Assert.Null(result.Error);
        Assert.InRange(result.Heights[15][0] - result.Heights[0][0], -60e-9, -40e-9);
        Assert.Throws<ArgumentOutOfRangeException>(() => rig.Engine.SetSetpoint(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => rig.Engine.SetGains(new PidGains(-1, 0, 0)));
    }

    [Fact]
    public async Task ApproachAsync_SurfaceOutOfReach_FaultsAndRetracts()
    {
        var afm = new Simulation.VirtualAfm.VirtualAfmOptions { TipRestHeight = 2e-6 };
        using var rig = new VirtualRig(afmOptions: afm);
        ScanFault? seen = null;
        rig.Engine.Faulted += (_, f) => seen = f;

        var e = await Assert.ThrowsAsync<ScanFaultException>(() => rig.Engine.ApproachAsync(TestContext.Current.CancellationToken));

        Assert.Equal(ScanFaultKind.ApproachFailed, e.Fault.Kind);
        Assert.Contains("out of Z range", e.Fault.Reason, StringComparison.Ordinal);
        Assert.Same(e.Fault, seen);
        Assert.Equal(-10.0, rig.Afm.DacZ.OutputVoltage, 3);
    }

    [Fact]
    public async Task ApproachAsync_SurfaceInReach_Engages()
    {
        using var rig = new VirtualRig();
        await rig.Engine.ApproachAsync(TestContext.Current.CancellationToken);
        Assert.True(rig.Engine.IsEngaged);
        await rig.Engine.RetractAsync(TestContext.Current.CancellationToken);
        Assert.False(rig.Engine.IsEngaged);
        Assert.Equal(-10.0, rig.Afm.DacZ.OutputVoltage, 3);
    }

    [Theory]
    [InlineData(0, "PixelsX")]
    [InlineData(1, "LineRateHz")]
    [InlineData(2, "Scan area on X")]
    [InlineData(3, "Z.MaxSlewVoltsPerSecond")]
    [InlineData(4, "Gains")]
    [InlineData(5, "AdcChannel")]
    [InlineData(6, "SetpointVolts")]
    public void Constructor_BadOptions_ClearErrorAndNothingMoves(int variant, string expected)
    {
        var good = VirtualRig.DefaultOptions();
        var bad = variant switch
        {
            0 => good with { Scan = good.Scan with { PixelsX = 3 } },
            1 => good with { Scan = good.Scan with { LineRateHz = 0 } },
            2 => good with { Scan = good.Scan with { SizeX = 20e-6 } },
            3 => good with { Z = good.Z with { MaxSlewVoltsPerSecond = 10 } },
            4 => good with { Gains = new PidGains(0, 0, 0) },
            5 => good with { Fields = [new AdcChannelMap("Current", PhysicalUnit.Ampere, 9, 1e-9)] },
            _ => good with { SetpointVolts = 12 },
        };

        var e = Assert.Throws<ArgumentException>(() => new VirtualRig(bad));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_BadOptions_NoDacFrameSent()
    {
        var bad = VirtualRig.DefaultOptions() with { SetpointVolts = -1 };
        var clock = new Simulation.VirtualAfm.VirtualClock();
        using var afm = new Simulation.VirtualAfm.VirtualAfm(VirtualRig.DefaultSurface(), new(), clock);
        using var gpio = new System.Device.Gpio.GpioController(afm.Gpio);
        using var x = new Hardware.Ad5791(afm.DacXSpi, 10, -10, shouldDispose: false);
        using var y = new Hardware.Ad5791(afm.DacYSpi, 10, -10, shouldDispose: false);
        using var z = new Hardware.Ad5791(afm.DacZSpi, 10, -10, shouldDispose: false);
        using var adc = new Hardware.Ad7606(afm.AdcSpi, gpio, 17, 27, timeProvider: clock, shouldDispose: false);

        Assert.Throws<ArgumentException>(() => new ScanEngine(bad, x, y, z, adc, LoopTiming.Stepped(clock, clock.AdvanceTo)));

        Assert.Equal(0, afm.DacZ.ValidFrames);
        Assert.Equal(Ad5791OutputState.ClampedToGround, afm.DacZ.OutputState);
        Assert.Equal(0, afm.Adc.Conversions);
    }
}

public sealed class ScanEngineShutdownTests
{
    [Fact]
    public async Task Dispose_DuringScan_RetractsAndReportsShutdown()
    {
        using var rig = new VirtualRig(VirtualRig.DefaultOptions(pixels: 64));
        ScanFault? seen = null;
        rig.Engine.Faulted += (_, f) => seen = f;
        var scan = rig.ScanAsync(
            onLine: i =>
            {
                if (i == 1)
                {
                    rig.Engine.Dispose();
                }
            },
            cancellationToken: TestContext.Current.CancellationToken);

        var result = await scan;

        Assert.IsAssignableFrom<OperationCanceledException>(result.Error);
        Assert.Equal(ScanFaultKind.Shutdown, seen?.Kind);
        Assert.Equal(-10.0, rig.Afm.DacZ.OutputVoltage, 3);
        Assert.Equal(Enumerable.Range(0, result.Lines.Count), result.Lines);
        Assert.Throws<ObjectDisposedException>(() => { _ = rig.Engine.RetractAsync(TestContext.Current.CancellationToken); });
    }

    [Fact]
    public async Task RunAsync_WhileRunning_Throws()
    {
        using var rig = new VirtualRig();
        using var hold = new ManualResetEventSlim();
        using var entered = new ManualResetEventSlim();

        // Parks the loop thread inside its first wait, so the second call surely finds it running.
        using var timer = rig.Clock.CreateTimer(
            _ =>
            {
                entered.Set();
                hold.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            },
            null,
            TimeSpan.FromMilliseconds(1),
            Timeout.InfiniteTimeSpan);
        var first = rig.Engine.ApproachAsync(TestContext.Current.CancellationToken);
        Assert.True(entered.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));

        var e = Assert.Throws<InvalidOperationException>(() => { _ = rig.Engine.RetractAsync(TestContext.Current.CancellationToken); });
        Assert.Contains("already running", e.Message, StringComparison.Ordinal);
        hold.Set();
        await first;
        Assert.True(rig.Engine.IsEngaged);
    }
}
