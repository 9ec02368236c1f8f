using System.Device.Gpio;
using AfmEdge.Simulation.Electronics;
using AfmEdge.Simulation.VirtualAfm;
using Ad7606 = AfmEdge.Hardware.Ad7606;
using Ad7606Range = AfmEdge.Hardware.Ad7606Range;

namespace AfmEdge.Hardware.Tests;

public sealed class Ad7606Tests : IDisposable
{
    private const int Convst = 17;
    private const int Busy = 27;
    private const int Reset = 22;
    private const int Range = 23;

    private readonly VirtualClock _clock = new();
    private readonly FixedAnalogInputs _inputs = new();
    private readonly Ad7606Emulator _chip;
    private readonly EmulatedSpiDevice _spi;
    private readonly EmulatedGpioDriver _driver = new();
    private readonly GpioController _gpio;

    public Ad7606Tests()
    {
        _chip = new Ad7606Emulator(_inputs, _clock);
        _spi = new EmulatedSpiDevice(_chip, Ad7606.CreateSettings(1, 0));
        _driver.Connect(_chip, new Ad7606Pins(Convst, Busy, Reset, Range));
        _gpio = new GpioController(_driver);
    }

    public void Dispose()
    {
        _gpio.Dispose();
        _spi.Dispose();
        _chip.Dispose();
    }

    [Fact]
    public void Constructor_ResetWired_PulsesReset()
    {
        using var adc = Create();
        Assert.True(_chip.HasBeenReset);
        Assert.False(_chip.ResetLevel);
        Assert.Equal(AfmEdge.Simulation.Electronics.Ad7606Range.PlusMinus10V, _chip.Range);
    }

    [Fact]
    public void ConvertAndRead_EightInputs_ReturnsEachChannelsCode()
    {
        for (int i = 0; i < 8; i++)
        {
            _inputs[i] = -7.0 + (1.9 * i);
        }

        using var adc = Create();
        Span<short> codes = stackalloc short[8];
        adc.ConvertAndRead(codes);
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(Ad7606Emulator.VoltageToCode(_inputs[i], AfmEdge.Simulation.Electronics.Ad7606Range.PlusMinus10V), codes[i]);
        }

        Assert.Equal(1, _chip.Conversions);
        Assert.Equal(0, _chip.PartialReads);
        Assert.Equal(0, _chip.OverReadBytes);
    }

    [Theory]
    [InlineData(Ad7606Range.PlusMinus5V, 3.21)]
    [InlineData(Ad7606Range.PlusMinus10V, 3.21)]
    [InlineData(Ad7606Range.PlusMinus10V, -8.5)]
    public void ConvertAndRead_Volts_ScaledPerRange(Ad7606Range range, double volts)
    {
        _inputs.SetAll(volts);
        using var adc = Create();
        adc.Range = range;
        Span<double> measured = stackalloc double[8];
        adc.ConvertAndRead(measured);
        Assert.InRange(measured[3], volts - adc.LsbVolts, volts + adc.LsbVolts);
        Assert.Equal(Ad7606.FullScale(range) / 32768.0, adc.LsbVolts);
    }

    [Fact]
    public void ConvertAndRead_BeyondFullScale_Clips()
    {
        _inputs.SetAll(7.0);
        using var adc = Create();
        adc.Range = Ad7606Range.PlusMinus5V;
        Span<short> codes = stackalloc short[8];
        adc.ConvertAndRead(codes);
        Assert.Equal(short.MaxValue, codes[0]);
    }

    [Fact]
    public void ConvertAndRead_BusyNeverFalls_ThrowsBusyTimeoutAfterTimeout()
    {
        using var adc = Create(TimeSpan.FromMicroseconds(200));
        _chip.BusyFault = BusyFault.NeverFalls;
        var before = _clock.Elapsed;
        var e = Assert.Throws<BusyTimeoutException>(() => adc.ConvertAndRead(stackalloc short[8]));
        Assert.IsAssignableFrom<IOException>(e);
        Assert.Contains("stayed high", e.Message, StringComparison.Ordinal);
        Assert.Contains("pin 27", e.Message, StringComparison.Ordinal);
        Assert.InRange(_clock.Elapsed - before, TimeSpan.FromMicroseconds(200), TimeSpan.FromMicroseconds(210));
    }

    [Fact]
    public void ConvertAndRead_BusyNeverRises_ThrowsBusyTimeout()
    {
        using var adc = Create();
        _chip.BusyFault = BusyFault.NeverRises;
        var e = Assert.Throws<BusyTimeoutException>(() => adc.ConvertAndRead(stackalloc short[8]));
        Assert.Contains("never rose", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConvertAndRead_SpiFailure_PropagatesIOException()
    {
        using var adc = Create();
        _spi.FailNextTransfers(1);
        Assert.Throws<IOException>(() => adc.ConvertAndRead(stackalloc short[8]));
        Span<short> codes = stackalloc short[8];
        adc.ConvertAndRead(codes); // the next conversion works again
    }

    [Fact]
    public void ConvertAndRead_ShortDestination_Throws()
    {
        using var adc = Create();
        Assert.Throws<ArgumentException>(() => adc.ConvertAndRead(new short[7]));
    }

    [Fact]
    public void ConvertAndRead_SteadyState_AllocatesNothing()
    {
        _inputs.SetAll(1.5);
        using var adc = Create();
        var codes = new short[8];
        for (int i = 0; i < 100; i++)
        {
            adc.ConvertAndRead(codes);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            adc.ConvertAndRead(codes);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1100, _chip.Conversions);
    }

    [Fact]
    public void Range_Strapped_ChangeThrows()
    {
        using var adc = new Ad7606(_spi, _gpio, Convst, Busy, Reset, rangePin: -1, range: Ad7606Range.PlusMinus5V, timeProvider: _clock, shouldDispose: false);
        Assert.Throws<InvalidOperationException>(() => adc.Range = Ad7606Range.PlusMinus10V);
    }

    [Fact]
    public void Constructor_BusyOnChipInputPin_ThrowsNamingPin()
    {
        // Swapped wiring: CONVST on the pin the chip drives (BUSY) cannot be an output.
        var e = Assert.Throws<ArgumentException>(() => new Ad7606(_spi, _gpio, convstPin: Busy, busyPin: Convst, timeProvider: _clock, shouldDispose: false));
        Assert.Contains("AD7606 CONVST pin 27", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_UnknownPin_ThrowsNamingPin()
    {
        var e = Assert.Throws<ArgumentException>(() => new Ad7606(_spi, _gpio, Convst, busyPin: 200, timeProvider: _clock, shouldDispose: false));
        Assert.Contains("AD7606 BUSY pin 200", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_BadTimeout_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Ad7606(_spi, _gpio, Convst, Busy, busyTimeout: TimeSpan.FromMicroseconds(1), timeProvider: _clock, shouldDispose: false));

    private Ad7606 Create(TimeSpan? timeout = null) =>
        new(_spi, _gpio, Convst, Busy, Reset, Range, Ad7606Range.PlusMinus10V, timeout, _clock, shouldDispose: false);
}
