using AfmEdge.Simulation.Electronics;
using AfmEdge.Simulation.VirtualAfm;
using Afm = AfmEdge.Simulation.VirtualAfm.VirtualAfm;

namespace AfmEdge.Simulation.Tests.VirtualAfm;

public sealed class VirtualAfmTests
{
    private static readonly BumpSurface Flat = new([]);

    [Fact]
    public void SampleInputs_TipAboveSurface_NoDeflectionNoCurrent()
    {
        var clock = new VirtualClock();
        using var afm = new Afm(Flat, new VirtualAfmOptions { NoiseVolts = 0 }, clock);
        Drive(afm.DacZ, -10); // retracted: tip 600 nm above the substrate
        var v = Sample(afm, clock, TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, v[Afm.DeflectionInput]);
        Assert.Equal(0, v[Afm.CurrentInput]);
        Assert.Equal(0.2, v[Afm.PotentialInput], 9);
    }

    [Fact]
    public void SampleInputs_TipPressedIn_DeflectionIsIndentationTimesSensitivity()
    {
        var clock = new VirtualClock();
        var surface = new BumpSurface([], slopeX: 0) { CurrentPerMetre = 0 };
        using var afm = new Afm(surface, new VirtualAfmOptions { NoiseVolts = 0 }, clock);
        Drive(afm.DacZ, 3.0); // 150 nm extension: tip at −50 nm, 50 nm into contact
        var v = Sample(afm, clock, TimeSpan.FromMilliseconds(5));
        Assert.Equal(50e-9 * 1e7, v[Afm.DeflectionInput], 4);
        Assert.Equal(5e-9 * 1e8, v[Afm.AdhesionInput], 6);
    }

    [Fact]
    public void SampleInputs_StepOfX_FollowsFirstOrderLag()
    {
        var clock = new VirtualClock(tickPerRead: TimeSpan.Zero);
        var options = new VirtualAfmOptions { NoiseVolts = 0, PiezoTimeConstant = 100e-6 };
        using var afm = new Afm(Flat, options, clock);
        Drive(afm.DacX, 0);
        Sample(afm, clock, TimeSpan.Zero);
        Drive(afm.DacX, 2.0);
        Sample(afm, clock, TimeSpan.FromTicks(1000)); // one time constant
        double x = afm.TipPosition.X;
        Assert.Equal(2.0 * 0.5e-6 * (1 - Math.Exp(-1)), x, 9);
    }

    [Fact]
    public void Constructor_BadOptions_ThrowsNamingField()
    {
        var e = Assert.Throws<ArgumentException>(() => new Afm(Flat, new VirtualAfmOptions { ZMetresPerVolt = -1 }, new VirtualClock()));
        Assert.Contains("ZMetresPerVolt", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BumpSurface_Centre_HasPeakHeight()
    {
        var s = new BumpSurface([new Bump(1e-6, 0, 200e-9, 150e-9)], slopeX: 1e-3);
        Assert.Equal(150e-9 + 1e-9, s.HeightAt(1e-6, 0), 15);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BumpSurface([new Bump(0, 0, 0, 1e-9)]));
    }

    private static double[] Sample(Afm afm, VirtualClock clock, TimeSpan after)
    {
        clock.Advance(after);
        var v = new double[8];
        afm.SampleInputs(clock.GetUtcNow(), v);
        return v;
    }

    // Releases the clamp in offset binary and sets the output voltage, as a driver would.
    private static void Drive(Ad5791Emulator dac, double volts)
    {
        Span<byte> frame = stackalloc byte[3];
        Span<byte> sink = stackalloc byte[3];
        Ad5791Emulator.WriteWord(frame, Ad5791Emulator.Frame(false, Ad5791Register.Control, Ad5791Emulator.BinaryCodingBit | Ad5791Emulator.RbufBit));
        dac.Transfer(frame, sink);
        uint code = (uint)Math.Round((volts + 10) / 20 * Ad5791Emulator.MaxCode);
        Ad5791Emulator.WriteWord(frame, Ad5791Emulator.Frame(false, Ad5791Register.Dac, code));
        dac.Transfer(frame, sink);
    }
}

internal static class VirtualAfmTestDrive
{
    public static void Drive(Ad5791Emulator dac, double volts)
    {
        Span<byte> frame = stackalloc byte[3];
        Span<byte> sink = stackalloc byte[3];
        Ad5791Emulator.WriteWord(frame, Ad5791Emulator.Frame(false, Ad5791Register.Control, Ad5791Emulator.BinaryCodingBit | Ad5791Emulator.RbufBit));
        dac.Transfer(frame, sink);
        uint code = (uint)Math.Round((volts + 10) / 20 * Ad5791Emulator.MaxCode);
        Ad5791Emulator.WriteWord(frame, Ad5791Emulator.Frame(false, Ad5791Register.Dac, code));
        dac.Transfer(frame, sink);
    }
}
