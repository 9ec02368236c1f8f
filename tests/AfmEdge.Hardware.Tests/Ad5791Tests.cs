using System.Device.Gpio;
using AfmEdge.Simulation.Electronics;
using AfmEdge.Simulation.VirtualAfm;
using Ad5791 = AfmEdge.Hardware.Ad5791;
using Ad5791Register = AfmEdge.Hardware.Ad5791Register;

namespace AfmEdge.Hardware.Tests;

public sealed class Ad5791Tests : IDisposable
{
    private const int Ldac = 5;
    private const int Clr = 6;
    private const int Reset = 13;

    private readonly Ad5791Emulator _chip = new(10.0, -10.0);
    private readonly EmulatedSpiDevice _spi;
    private readonly EmulatedGpioDriver _driver = new();
    private readonly GpioController _gpio;

    public Ad5791Tests()
    {
        _spi = new EmulatedSpiDevice(_chip, Ad5791.CreateSettings(0, 0));
        _driver.Connect(_chip, new Ad5791Pins(Ldac, Clr, Reset));
        _gpio = new GpioController(_driver);
    }

    public void Dispose()
    {
        _gpio.Dispose();
        _spi.Dispose();
    }

    [Fact]
    public void CreateSettings_Default_UsesMode1AndReadbackClock()
    {
        var settings = Ad5791.CreateSettings(0, 1);
        Assert.Equal(System.Device.Spi.SpiMode.Mode1, settings.Mode);
        Assert.Equal(Ad5791.MaxReadClockHz, settings.ClockFrequency);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ad5791.CreateSettings(0, 1, 50_000_000));
    }

    [Fact]
    public void Constructor_BeforeInitialize_OutputStaysClamped()
    {
        using var dac = new Ad5791(_spi, 10, -10, _gpio, Ldac, Clr, Reset, shouldDispose: false);
        Assert.Equal(Ad5791OutputState.ClampedToGround, _chip.OutputState);
        Assert.Throws<InvalidOperationException>(() => dac.WriteCode(1000));
        Assert.Equal(0, _chip.ValidFrames);
    }

    [Fact]
    public void Initialize_StartCode_ReleasesClampAtStartCode()
    {
        using var dac = new Ad5791(_spi, 10, -10, _gpio, Ldac, Clr, Reset, shouldDispose: false);
        uint start = dac.VoltageToCode(-10.0);
        dac.Initialize(start, start);

        Assert.Equal(Ad5791OutputState.Normal, _chip.OutputState);
        Assert.False(_chip.IsTwosComplement);
        Assert.Equal(-10.0, _chip.OutputVoltage, 6);
        Assert.Equal(start, dac.ReadRegister(Ad5791Register.ClearCode));
    }

    [Theory]
    [InlineData(-10.0)]
    [InlineData(-3.3)]
    [InlineData(0.0)]
    [InlineData(7.25)]
    [InlineData(10.0)]
    public void WriteVoltage_InRange_OutputWithinHalfLsb(double volts)
    {
        using var dac = Initialized();
        dac.WriteVoltage(volts);
        Assert.InRange(_chip.OutputVoltage, volts - (dac.LsbVolts / 2), volts + (dac.LsbVolts / 2));
        dac.VerifyOutput();
        Assert.Equal(dac.LastCode, dac.ReadRegister(Ad5791Register.Dac));
    }

    [Theory]
    [InlineData(10.001)]
    [InlineData(-10.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void WriteVoltage_OutOfRange_ThrowsAndNothingMoves(double volts)
    {
        using var dac = Initialized();
        dac.WriteVoltage(1.0);
        long frames = _chip.ValidFrames;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => dac.WriteVoltage(volts));
        Assert.Contains("AD5791 output", e.Message, StringComparison.Ordinal);
        Assert.Equal(frames, _chip.ValidFrames);
        Assert.Equal(1.0, _chip.OutputVoltage, 4);
    }

    [Fact]
    public void WriteCode_Above20Bits_Throws()
    {
        using var dac = Initialized();
        Assert.Throws<ArgumentOutOfRangeException>(() => dac.WriteCode(Ad5791.MaxCode + 1));
    }

    [Fact]
    public void Clear_ClrPinWired_OutputGoesToSafeCode()
    {
        using var dac = Initialized(safeVolts: -9.0);
        dac.WriteVoltage(4.0);
        _spi.FailNextTransfers(100); // CLR must not need SPI
        dac.Clear();
        _spi.FailNextTransfers(0);
        Assert.Equal(-9.0, _chip.OutputVoltage, 4);
    }

    [Fact]
    public void SoftwareReset_ResetPin_ReturnsToClampedPowerOnState()
    {
        using var dac = Initialized();
        dac.WriteVoltage(2.0);
        dac.SoftwareReset();
        Assert.Equal(Ad5791OutputState.ClampedToGround, _chip.OutputState);
        Assert.False(dac.IsInitialized);
    }

    [Fact]
    public void SoftwareReset_NoPins_UsesSoftwareControlRegister()
    {
        using var dac = new Ad5791(_spi, 10, -10, shouldDispose: false);
        dac.Initialize(dac.VoltageToCode(0), dac.VoltageToCode(0));
        dac.WriteVoltage(3.0);
        dac.SoftwareReset();
        Assert.Equal(Ad5791OutputState.ClampedToGround, _chip.OutputState);
        Assert.Equal(Ad5791Emulator.PowerOnControl, _chip.ControlRegister);
    }

    [Fact]
    public void Dispose_AfterWrites_LeavesOutputAtSafeCode()
    {
        var dac = Initialized(safeVolts: -10.0);
        dac.WriteVoltage(5.0);
        dac.Dispose();
        Assert.Equal(-10.0, _chip.OutputVoltage, 6);
        Assert.Equal(Ad5791OutputState.Normal, _chip.OutputState);
    }

    [Fact]
    public void Initialize_DeadChip_ThrowsIOExceptionNamingRegister()
    {
        using var spi = new EmulatedSpiDevice(new SilentChip(), Ad5791.CreateSettings(0, 0));
        using var dac = new Ad5791(spi, 10, -10, shouldDispose: false);
        var e = Assert.Throws<IOException>(() => dac.Initialize(0, 0));
        Assert.Contains("Control", e.Message, StringComparison.Ordinal);
        Assert.False(dac.IsInitialized);
    }

    [Fact]
    public void Constructor_UnknownPin_ThrowsNamingChipPin()
    {
        var e = Assert.Throws<ArgumentException>(() => new Ad5791(_spi, 10, -10, _gpio, clrPin: 99, shouldDispose: false));
        Assert.Contains("AD5791 CLR pin 99", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_SamePinTwice_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => new Ad5791(_spi, 10, -10, _gpio, ldacPin: 7, clrPin: 7, shouldDispose: false));
        Assert.Contains("pin 7", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_PinsWithoutController_Throws() =>
        Assert.Throws<ArgumentNullException>(() => new Ad5791(_spi, 10, -10, null, clrPin: 6, shouldDispose: false));

    [Theory]
    [InlineData(4.9, -10)]
    [InlineData(10, 0.1)]
    public void Constructor_BadReference_Throws(double vrefp, double vrefn) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Ad5791(_spi, vrefp, vrefn, shouldDispose: false));

    [Fact]
    public void WriteCode_SteadyState_AllocatesNothing()
    {
        using var dac = Initialized();
        for (uint i = 0; i < 100; i++)
        {
            dac.WriteCode(i);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (uint i = 0; i < 1000; i++)
        {
            dac.WriteCode(i);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(999u, _chip.OutputCode);
    }

    private Ad5791 Initialized(double safeVolts = 0.0)
    {
        var dac = new Ad5791(_spi, 10, -10, _gpio, Ldac, Clr, Reset, shouldDispose: false);
        uint safe = dac.VoltageToCode(safeVolts);
        dac.Initialize(safe, safe);
        return dac;
    }

    // A chip whose SDO is not connected: reads back all zeros.
    private sealed class SilentChip : ISpiChip
    {
        public void Transfer(ReadOnlySpan<byte> mosi, Span<byte> miso) => miso.Clear();
    }
}
