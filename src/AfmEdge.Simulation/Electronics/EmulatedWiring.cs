namespace AfmEdge.Simulation.Electronics;

/// <summary>Host GPIO numbers wired to an AD7606's control pins; null where the board ties the pin.</summary>
/// <param name="Convst">CONVST A and B, tied together.</param>
/// <param name="Busy">BUSY output.</param>
/// <param name="Reset">RESET input (active high); null when not wired.</param>
/// <param name="Range">RANGE input (high = ±10 V); null when strapped.</param>
public sealed record Ad7606Pins(int Convst, int Busy, int? Reset = null, int? Range = null);

/// <summary>Host GPIO numbers wired to an AD5791's control pins; null where the board ties the pin.</summary>
/// <param name="Ldac">LDAC input (active low); null when tied low (synchronous updates).</param>
/// <param name="Clr">CLR input (active low); null when tied high.</param>
/// <param name="Reset">RESET input (active low); null when tied high.</param>
public sealed record Ad5791Pins(int? Ldac = null, int? Clr = null, int? Reset = null);

/// <summary>Wires emulated chips to an <see cref="EmulatedGpioDriver"/> by pin number.</summary>
public static class EmulatedWiring
{
    /// <summary>Connects the AD7606's CONVST, BUSY and the optional RESET and RANGE pins.</summary>
    public static void Connect(this EmulatedGpioDriver gpio, Ad7606Emulator adc, Ad7606Pins pins)
    {
        ArgumentNullException.ThrowIfNull(gpio);
        ArgumentNullException.ThrowIfNull(adc);
        ArgumentNullException.ThrowIfNull(pins);
        CheckDistinct(pins.Convst, pins.Busy, pins.Reset, pins.Range);

        gpio.ConnectChipInput(pins.Convst, "AD7606 CONVST", adc.SetConvst, adc.ConvstLevel);
        gpio.ConnectChipOutput(pins.Busy, "AD7606 BUSY", () => adc.Busy);
        int busyPin = pins.Busy;
        adc.BusyChanged += (_, level) => gpio.NotifyChipOutputChanged(busyPin, level);

        if (pins.Reset is int reset)
        {
            gpio.ConnectChipInput(reset, "AD7606 RESET", adc.SetReset, adc.ResetLevel);
        }

        if (pins.Range is int range)
        {
            gpio.ConnectChipInput(range, "AD7606 RANGE", adc.SetRange, adc.Range == Ad7606Range.PlusMinus10V);
        }
    }

    /// <summary>Connects the AD5791's optional LDAC, CLR and RESET pins.</summary>
    public static void Connect(this EmulatedGpioDriver gpio, Ad5791Emulator dac, Ad5791Pins pins)
    {
        ArgumentNullException.ThrowIfNull(gpio);
        ArgumentNullException.ThrowIfNull(dac);
        ArgumentNullException.ThrowIfNull(pins);
        CheckDistinct(pins.Ldac, pins.Clr, pins.Reset);

        if (pins.Ldac is int ldac)
        {
            gpio.ConnectChipInput(ldac, "AD5791 LDAC", dac.SetLdac, dac.LdacLevel);
        }

        if (pins.Clr is int clr)
        {
            gpio.ConnectChipInput(clr, "AD5791 CLR", dac.SetClr, dac.ClrLevel);
        }

        if (pins.Reset is int reset)
        {
            gpio.ConnectChipInput(reset, "AD5791 RESET", dac.SetReset, dac.ResetLevel);
        }
    }

    private static void CheckDistinct(params int?[] pins)
    {
        for (int i = 0; i < pins.Length; i++)
        {
            for (int j = i + 1; j < pins.Length; j++)
            {
                if (pins[i] is int a && pins[j] is int b && a == b)
                {
                    throw new ArgumentException($"Pin {a} is assigned to two chip pins.", nameof(pins));
                }
            }
        }
    }
}
