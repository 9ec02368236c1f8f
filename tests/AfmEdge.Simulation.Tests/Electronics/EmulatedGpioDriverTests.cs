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
    public void LdacPulse_ThroughController_UpdatesDacOutputAsynchronously()
    {
        using var spi = new EmulatedSpiDevice(_dac, new System.Device.Spi.SpiConnectionSettings(0, 0));
        _gpio.OpenPin(Ldac, PinMode.Output);
        _gpio.Write(Ldac, PinValue.High);
        Span<byte> frame = stackalloc byte[3];
        Ad5791Emulator.WriteWord(frame, Ad5791Emulator.Frame(false, Ad5791Register.Control, Ad5791Emulator.RbufBit | Ad5791Emulator.BinaryCodingBit));
        spi.Write(frame);
        Ad5791Emulator.WriteWord(frame, Ad5791Emulator.Frame(false, Ad5791Register.Dac, 0xFFFFF));
        spi.Write(frame);
        Assert.Equal(-10.0, _dac.OutputVoltage, 12);

        _gpio.Write(Ldac, PinValue.Low);

        Assert.Equal(10.0, _dac.OutputVoltage, 12);
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

        // The wait arms when its thread gets there (late on a loaded machine), and an edge before that is not reported:
        // convert again until one falls while it waits.
        while (true)
        {
            _clock.Advance(Ad7606Emulator.DefaultConversionTime);
            if (await Task.WhenAny(wait, Task.Delay(20, TestContext.Current.CancellationToken)) == wait)
            {
                break;
            }

            _gpio.Write(Convst, PinValue.Low);
            _gpio.Write(Convst, PinValue.High);
        }

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
    public void Callback_SystemClock_SeesBothEdgesOfTheBusyPulseInOrder()
    {
        using var adc = new Ad7606Emulator(new FixedAnalogInputs(), TimeProvider.System);
        using var driver = new EmulatedGpioDriver();
        driver.Connect(adc, new Ad7606Pins(Convst: 1, Busy: 2));
        using var gpio = new GpioController(driver);
        gpio.OpenPin(1, PinMode.Output);
        gpio.OpenPin(2, PinMode.Input);
        var edges = new System.Collections.Concurrent.ConcurrentQueue<PinEventTypes>();
        gpio.RegisterCallbackForPinValueChangedEvent(2, PinEventTypes.Rising | PinEventTypes.Falling, (_, e) => edges.Enqueue(e.ChangeType));

        gpio.Write(1, PinValue.High);

        // Nobody polls: the emulator's timer ends the conversion and reports the falling edge.
        Assert.True(SpinWait.SpinUntil(() => edges.Count == 2, TimeSpan.FromSeconds(5)));
        Assert.Equal([PinEventTypes.Rising, PinEventTypes.Falling], edges.ToArray());
        Assert.Equal(PinValue.Low, gpio.Read(2));
    }

    [Fact]
    public void WaitForEvent_StartedAfterBusyFell_TimesOutAsOnABoard()
    {
        // A 4 µs conversion is over before a wait can be armed; drivers must poll BUSY, not wait for its edge.
        using var adc = new Ad7606Emulator(new FixedAnalogInputs(), TimeProvider.System);
        using var driver = new EmulatedGpioDriver();
        driver.Connect(adc, new Ad7606Pins(Convst: 1, Busy: 2));
        using var gpio = new GpioController(driver);
        gpio.OpenPin(1, PinMode.Output);
        gpio.OpenPin(2, PinMode.Input);
        gpio.Write(1, PinValue.High);
        Thread.Sleep(1);

        var result = gpio.WaitForEvent(2, PinEventTypes.Falling, TimeSpan.FromMilliseconds(50));

        Assert.True(result.TimedOut);
        Assert.Equal(1, adc.Conversions);
    }

    [Fact]
    public async Task FaultInjection_FromAnotherThread_DuringConversions_KeepsStateConsistent()
    {
        var dac = new Ad5791Emulator();
        using var spi = new EmulatedSpiDevice(dac, new System.Device.Spi.SpiConnectionSettings(0, 0));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var injector = Task.Run(
            () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    spi.FailNextTransfers(1);
                    _adc.InjectSaturation(0);
                    _adc.BusyFault = BusyFault.NeverRises;
                    _adc.ClearFaults();
                }
            },
            TestContext.Current.CancellationToken);

        int ok = 0, failed = 0;
        for (int i = 0; i < 5000; i++)
        {
            try
            {
                spi.Write([0x10, 0x00, (byte)i]);
                ok++;
            }
            catch (IOException)
            {
                failed++;
            }

            _adc.SetConvst(true);
            _clock.Advance(Ad7606Emulator.DefaultConversionTime);
            _adc.SetConvst(false);
        }

        await stop.CancelAsync();
        await injector;

        Assert.Equal(ok, dac.ValidFrames);
        Assert.Equal(failed, spi.FailedTransferCount);
        Assert.Equal(5000 - _adc.IgnoredConvstEdges, _adc.Conversions);
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
