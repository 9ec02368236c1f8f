using System.Device.Gpio;
using AfmEdge.Simulation.Electronics;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace AfmEdge.Simulation.Tests.Electronics;

public sealed class EmulatedGpioDriverTests : IDisposable
{
    private const int Convst = 17;
    private const int Busy = 27;
    private const int AdcReset = 22;
    private const int Range = 23;
    private const int Ldac = 5;
    private const int Clr = 6;
    private const int DacReset = 13;

    private readonly FakeTimeProvider _clock = new();
    private readonly FixedAnalogInputs _inputs = new();
    private readonly Ad7606Emulator _adc;
    private readonly Ad5791Emulator _dac = new();
    private readonly EmulatedGpioDriver _driver = new();
    private readonly GpioController _gpio;

    public EmulatedGpioDriverTests()
    {
        _adc = new Ad7606Emulator(_inputs, _clock);
        _driver.Connect(_adc, new Ad7606Pins(Convst, Busy, AdcReset, Range));
        _driver.Connect(_dac, new Ad5791Pins(Ldac, Clr, DacReset));
        _gpio = new GpioController(_driver);
    }

    public void Dispose()
    {
        _gpio.Dispose();
        _adc.Dispose();
    }

    [Fact]
    public void ConvstWrite_ThroughController_StartsConversionAndBusyReadsHigh()
    {
        _gpio.OpenPin(Convst, PinMode.Output);
        _gpio.OpenPin(Busy, PinMode.Input);

        _gpio.Write(Convst, PinValue.High);
        Assert.Equal(PinValue.High, _gpio.Read(Busy));

        _clock.Advance(Ad7606Emulator.DefaultConversionTime);
        Assert.Equal(PinValue.Low, _gpio.Read(Busy));
    }

    [Fact]
    public void ResetAndRange_ThroughController_ReachTheAdc()
    {
        _gpio.OpenPin(AdcReset, PinMode.Output);
        _gpio.OpenPin(Range, PinMode.Output);

        _gpio.Write(AdcReset, PinValue.High);
        _gpio.Write(AdcReset, PinValue.Low);
        _gpio.Write(Range, PinValue.High);

        Assert.True(_adc.HasBeenReset);
        Assert.Equal(Ad7606Range.PlusMinus10V, _adc.Range);
    }

    [Fact]
    public void DacPins_ThroughController_ReachTheDac()
    {
        _gpio.OpenPin(Ldac, PinMode.Output);
        _gpio.OpenPin(Clr, PinMode.Output);
        _gpio.OpenPin(DacReset, PinMode.Output);

        _gpio.Write(Ldac, PinValue.High);
        _gpio.Write(Clr, PinValue.Low);
        _gpio.Write(DacReset, PinValue.Low);

        Assert.True(_dac.LdacLevel);
        Assert.False(_dac.ClrLevel);
        Assert.False(_dac.ResetLevel);
    }

    [Fact]
    public void ChipInputPin_OpenedWithoutWrite_RestsAtBoardLevel()
    {
        _gpio.OpenPin(DacReset, PinMode.Input);

        Assert.Equal(PinValue.High, _gpio.Read(DacReset));
    }

    [Fact]
    public void BusyPin_OutputMode_NotSupported()
    {
        Assert.False(_gpio.IsPinModeSupported(Busy, PinMode.Output));
        Assert.True(_gpio.IsPinModeSupported(Busy, PinMode.Input));
        Assert.True(_gpio.IsPinModeSupported(Convst, PinMode.Output));
        Assert.ThrowsAny<InvalidOperationException>(() => _gpio.OpenPin(Busy, PinMode.Output));
    }

    [Fact]
    public void Callback_BusyFalling_FiresWhenConversionEnds()
    {
        _gpio.OpenPin(Convst, PinMode.Output);
        _gpio.OpenPin(Busy, PinMode.Input);
        var events = new List<PinValueChangedEventArgs>();
        _gpio.RegisterCallbackForPinValueChangedEvent(Busy, PinEventTypes.Falling, (_, e) => events.Add(e));

        _gpio.Write(Convst, PinValue.High);
        Assert.Empty(events);
        _clock.Advance(Ad7606Emulator.DefaultConversionTime);

        var e = Assert.Single(events);
        Assert.Equal(Busy, e.PinNumber);
        Assert.Equal(PinEventTypes.Falling, e.ChangeType);
    }

    [Fact]
    public async Task WaitForEvent_BusyFalling_ReturnsWhenClockAdvances()
    {
        _gpio.OpenPin(Convst, PinMode.Output);
        _gpio.OpenPin(Busy, PinMode.Input);
        _gpio.Write(Convst, PinValue.High);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));

        var wait = Task.Run(() => _gpio.WaitForEvent(Busy, PinEventTypes.Falling, timeout.Token), TestContext.Current.CancellationToken);
        await Task.Delay(20, TestContext.Current.CancellationToken);
        _clock.Advance(Ad7606Emulator.DefaultConversionTime);
        var result = await wait;

        Assert.False(result.TimedOut);
        Assert.Equal(PinEventTypes.Falling, result.EventTypes);
    }

    [Fact]
    public void WaitForEvent_BusyNeverFalls_TimesOut()
    {
        _adc.BusyFault = BusyFault.NeverFalls;
        _gpio.OpenPin(Convst, PinMode.Output);
        _gpio.OpenPin(Busy, PinMode.Input);
        _gpio.Write(Convst, PinValue.High);
        _clock.Advance(TimeSpan.FromMilliseconds(1));

        var result = _gpio.WaitForEvent(Busy, PinEventTypes.Falling, TimeSpan.FromMilliseconds(30));

        Assert.True(result.TimedOut);
        Assert.Equal(PinValue.High, _gpio.Read(Busy));
    }

    [Fact]
    public void FreePin_WriteThenRead_ReturnsWrittenValue()
    {
        _gpio.OpenPin(40, PinMode.Output);
        _gpio.Write(40, PinValue.High);

        Assert.Equal(PinValue.High, _gpio.Read(40));
        Assert.Null(_driver.DescribePin(40));
        Assert.Equal("AD7606 BUSY", _driver.DescribePin(Busy));
    }

    [Fact]
    public void Connect_PinAlreadyWired_Throws()
    {
        var other = new Ad5791Emulator();

        var ex = Assert.Throws<InvalidOperationException>(() => _driver.Connect(other, new Ad5791Pins(Ldac: Convst)));
        Assert.Contains("AD7606 CONVST", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_SamePinTwiceInOneMap_Throws()
    {
        using var driver = new EmulatedGpioDriver();

        Assert.Throws<ArgumentException>(() => driver.Connect(new Ad5791Emulator(), new Ad5791Pins(Ldac: 3, Clr: 3)));
    }

    [Fact]
    public void PinOutsideController_Throws()
    {
        using var driver = new EmulatedGpioDriver(8);

        Assert.Throws<ArgumentOutOfRangeException>(() => driver.ConnectChipInput(8, "X", _ => { }, false));
    }
}
