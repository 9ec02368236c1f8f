using System.Device.Gpio;
using System.Device.Spi;
using AfmEdge.Simulation.Electronics;
using Xunit;

namespace AfmEdge.Simulation.Tests.Electronics;

// The scan engine runs one of these sequences per pixel; the emulators must not make it allocate.
// Measured here: System.Device.Gpio 4.2.0's GpioController.Write(int, PinValue) allocates 40 B per call
// whatever the driver (a no-op driver shows the same), while the Write(ReadOnlySpan<PinValuePair>)
// overload and Read(int) allocate nothing, so the pin writes below use the span overload.
public sealed class HotPathAllocationTests
{
    private const int Convst = 17;
    private const int Busy = 27;

    [Fact]
    public void ScanPoint_SteadyState_AllocatesNothing()
    {
        var inputs = new FixedAnalogInputs();
        inputs.SetAll(1.25);
        using var adc = new Ad7606Emulator(inputs, TimeProvider.System);
        var dacX = new Ad5791Emulator();
        var dacY = new Ad5791Emulator();
        using var driver = new EmulatedGpioDriver();
        driver.Connect(adc, new Ad7606Pins(Convst, Busy));
        using var gpio = new GpioController(driver);
        gpio.OpenPin(Convst, PinMode.Output);
        gpio.OpenPin(Busy, PinMode.Input);
        using var spiX = new EmulatedSpiDevice(dacX, new SpiConnectionSettings(0, 0));
        using var spiY = new EmulatedSpiDevice(dacY, new SpiConnectionSettings(0, 1));
        using var spiAdc = new EmulatedSpiDevice(adc, new SpiConnectionSettings(1, 0));
        Span<byte> frame = stackalloc byte[Ad5791Emulator.FrameBytes];
        Span<byte> results = stackalloc byte[Ad7606Emulator.FrameBytes];

        for (int i = 0; i < 200; i++)
        {
            ScanPoint(i, gpio, spiX, spiY, spiAdc, frame, results);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 2000; i++)
        {
            ScanPoint(i, gpio, spiX, spiY, spiAdc, frame, results);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(Ad7606Emulator.VoltageToCode(1.25, Ad7606Range.PlusMinus5V), (short)((results[0] << 8) | results[1]));
        Assert.Equal(1999u, dacX.DacRegister);
    }

    private static void ScanPoint(int i, GpioController gpio, SpiDevice spiX, SpiDevice spiY, SpiDevice spiAdc, Span<byte> frame, Span<byte> results)
    {
        Ad5791Emulator.WriteWord(frame, Ad5791Emulator.Frame(false, Ad5791Register.Dac, (uint)i));
        spiX.Write(frame);
        spiY.Write(frame);
        Span<PinValuePair> pulse = [new PinValuePair(Convst, PinValue.High)];
        gpio.Write(pulse);
        pulse[0] = new PinValuePair(Convst, PinValue.Low);
        gpio.Write(pulse);
        var deadline = DateTime.UtcNow.AddSeconds(1);
        while (gpio.Read(Busy) == PinValue.High)
        {
            Assert.True(DateTime.UtcNow < deadline, "BUSY did not fall within 1 s.");
        }

        spiAdc.Read(results);
    }
}
