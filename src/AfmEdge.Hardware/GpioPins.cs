using System.Device.Gpio;

namespace AfmEdge.Hardware;

/// <summary>Opening and checking the control pins of the chip drivers, with errors that name the chip pin.</summary>
internal static class GpioPins
{
    public static void CheckDistinct(string chip, params ReadOnlySpan<(string Name, int Pin)> pins)
    {
        for (int i = 0; i < pins.Length; i++)
        {
            if (pins[i].Pin < -1)
            {
                throw new ArgumentOutOfRangeException(pins[i].Name, pins[i].Pin, $"{chip} {pins[i].Name} pin {pins[i].Pin} is not a pin number (use −1 for 'not wired').");
            }

            for (int j = i + 1; j < pins.Length; j++)
            {
                if (pins[i].Pin >= 0 && pins[i].Pin == pins[j].Pin)
                {
                    throw new ArgumentException($"{chip} {pins[i].Name} and {pins[j].Name} are both assigned to pin {pins[i].Pin}.", pins[j].Name);
                }
            }
        }
    }

    public static void OpenOutput(GpioController gpio, string name, int pin, PinValue initial)
    {
        if (pin < 0)
        {
            return;
        }

        Open(gpio, name, pin, PinMode.Output);
        Span<PinValuePair> write = [new PinValuePair(pin, initial)];
        gpio.Write(write);
    }

    public static void OpenInput(GpioController gpio, string name, int pin) => Open(gpio, name, pin, PinMode.Input);

    private static void Open(GpioController gpio, string name, int pin, PinMode mode)
    {
        try
        {
            if (!gpio.IsPinOpen(pin))
            {
                gpio.OpenPin(pin);
            }

            gpio.SetPinMode(pin, mode);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or NotSupportedException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{name} pin {pin} cannot be opened as {mode}: {e.Message}", name, e);
        }
    }
}
