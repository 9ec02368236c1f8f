using System.Device.Gpio;
using System.Device.Spi;

namespace AfmEdge.Hardware;

/// <summary>
/// Driver for the Analog Devices AD5791 20-bit voltage-output DAC on SPI, with optional LDAC, CLR and
/// RESET lines on GPIO. The output is VREFN + (VREFP − VREFN)·D / (2^20 − 1) in offset binary coding,
/// which the driver selects at initialisation.
/// </summary>
/// <remarks>
/// <para>Every frame is 24 bits, MSB first, latched on SYNC's rising edge (one SPI transfer):</para>
/// <code>
///  DB23  DB22 DB21 DB20  DB19 .................................. DB0
/// +-----+---------------+------------------------------------------+
/// | R/W |  A2   A1   A0 |  D19 .......... register data ...... D0  |
/// +-----+---------------+------------------------------------------+
///   R/W = 1 reads: the NEXT frame (a NOP) shifts out  1 A2 A1 A0 D19..D0  on SDO.
/// </code>
/// <para>SPI: data is sampled on SCLK's falling edge with SCLK idling low (mode 1); SCLK up to 35 MHz
/// for writes (t1 ≥ 28 ns) but readback needs the slower read timing (t1 ≥ 92 ns, about 10 MHz), so
/// <see cref="CreateSettings"/> picks a clock both work at.</para>
/// <para>At power-on the output is clamped to ground (OPGND = 1) and the DAC tristated (DACTRI = 1).
/// <see cref="Initialize"/> releases that clamp deliberately, only after the DAC register already holds
/// the requested start code, so the output never passes through an arbitrary value.</para>
/// </remarks>
public sealed class Ad5791 : IDisposable
{
    /// <summary>DAC resolution in bits.</summary>
    public const int Resolution = 20;

    /// <summary>Largest code.</summary>
    public const uint MaxCode = (1u << Resolution) - 1;

    /// <summary>Fastest SCLK for writes (datasheet t1 = 28 ns).</summary>
    public const int MaxWriteClockHz = 35_000_000;

    /// <summary>Fastest SCLK for readback (datasheet t1 = 92 ns in read mode).</summary>
    public const int MaxReadClockHz = 10_000_000;

    /// <summary>SPI mode: SCLK idles low, SDIN sampled on the falling edge.</summary>
    public const SpiMode Mode = SpiMode.Mode1;

    private const int FrameBytes = 3;
    private const uint ReadBit = 1u << 23;

    private readonly SpiDevice _spi;
    private readonly GpioController? _gpio;
    private readonly int _ldacPin;
    private readonly int _clrPin;
    private readonly int _resetPin;
    private readonly bool _shouldDispose;
    private readonly PinValuePair[] _pinWrite = new PinValuePair[1];
    private uint _lastCode;
    private bool _initialized;
    private bool _disposed;

    /// <summary>Creates the driver. Nothing is sent to the chip until <see cref="Initialize"/>.</summary>
    /// <param name="spiDevice">A configured device (see <see cref="CreateSettings"/>).</param>
    /// <param name="referencePositive">VREFP in volts as wired on the board (5 V to 14 V).</param>
    /// <param name="referenceNegative">VREFN in volts as wired on the board (−14 V to 0 V).</param>
    /// <param name="gpio">Controller for the optional pins; required when any pin is given.</param>
    /// <param name="ldacPin">LDAC pin (active low), or −1 when tied low on the board; driven low (synchronous updates).</param>
    /// <param name="clrPin">CLR pin (active low), or −1 when tied high; used for the emergency clear.</param>
    /// <param name="resetPin">RESET pin (active low), or −1 when tied high.</param>
    /// <param name="shouldDispose">Whether <see cref="Dispose"/> disposes <paramref name="spiDevice"/>.</param>
    public Ad5791(
        SpiDevice spiDevice,
        double referencePositive,
        double referenceNegative,
        GpioController? gpio = null,
        int ldacPin = -1,
        int clrPin = -1,
        int resetPin = -1,
        bool shouldDispose = true)
    {
        ArgumentNullException.ThrowIfNull(spiDevice);
        if (!(referencePositive >= 5.0 && referencePositive <= 14.0))
        {
            throw new ArgumentOutOfRangeException(nameof(referencePositive), referencePositive, "AD5791 VREFP must lie in [5 V, 14 V].");
        }

        if (!(referenceNegative >= -14.0 && referenceNegative <= 0.0))
        {
            throw new ArgumentOutOfRangeException(nameof(referenceNegative), referenceNegative, "AD5791 VREFN must lie in [−14 V, 0 V].");
        }

        var settings = spiDevice.ConnectionSettings;
        if (settings.ClockFrequency > MaxWriteClockHz)
        {
            throw new ArgumentOutOfRangeException(nameof(spiDevice), settings.ClockFrequency, $"AD5791 SCLK must be at most {MaxWriteClockHz} Hz.");
        }

        GpioPins.CheckDistinct("AD5791", ("LDAC", ldacPin), ("CLR", clrPin), ("RESET", resetPin));
        if (gpio is null && (ldacPin >= 0 || clrPin >= 0 || resetPin >= 0))
        {
            throw new ArgumentNullException(nameof(gpio), "AD5791 LDAC/CLR/RESET pins were given without a GpioController.");
        }

        _spi = spiDevice;
        _gpio = gpio;
        _ldacPin = ldacPin;
        _clrPin = clrPin;
        _resetPin = resetPin;
        _shouldDispose = shouldDispose;
        ReferencePositive = referencePositive;
        ReferenceNegative = referenceNegative;

        // Board-safe levels first: RESET and CLR released (high), LDAC low so frames update the output.
        if (gpio is not null)
        {
            GpioPins.OpenOutput(gpio, "AD5791 RESET", resetPin, PinValue.High);
            GpioPins.OpenOutput(gpio, "AD5791 CLR", clrPin, PinValue.High);
            GpioPins.OpenOutput(gpio, "AD5791 LDAC", ldacPin, PinValue.Low);
        }
    }

    /// <summary>VREFP in volts.</summary>
    public double ReferencePositive { get; }

    /// <summary>VREFN in volts.</summary>
    public double ReferenceNegative { get; }

    /// <summary>Volts per code step.</summary>
    public double LsbVolts => (ReferencePositive - ReferenceNegative) / MaxCode;

    /// <summary>The code the output goes to on <see cref="Clear"/> and <see cref="Dispose"/>.</summary>
    public uint SafeCode { get; private set; }

    /// <summary>The last code written (offset binary).</summary>
    public uint LastCode => _lastCode;

    /// <summary>Whether <see cref="Initialize"/> has released the output clamp.</summary>
    public bool IsInitialized => _initialized;

    /// <summary>SPI settings the chip accepts: mode 1, 8-bit words, a clock that also suits readback.</summary>
    public static SpiConnectionSettings CreateSettings(int busId, int chipSelectLine, int clockFrequency = MaxReadClockHz)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clockFrequency);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(clockFrequency, MaxWriteClockHz);
        return new SpiConnectionSettings(busId, chipSelectLine)
        {
            Mode = Mode,
            DataBitLength = 8,
            ClockFrequency = clockFrequency,
            DataFlow = DataFlow.MsbFirst,
        };
    }

    /// <summary>
    /// Brings the chip from any state to a driven output: resets it (RESET pin, else software reset),
    /// loads <paramref name="startCode"/> into the DAC register and <paramref name="safeCode"/> into the
    /// clearcode register while the output is still clamped, then releases the clamp (OPGND = 0,
    /// DACTRI = 0) in offset binary coding, and verifies every register by readback.
    /// </summary>
    /// <exception cref="IOException">A register read back differently (wiring, SDO, or a dead chip).</exception>
    public void Initialize(uint startCode, uint safeCode)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckCode(startCode, nameof(startCode));
        CheckCode(safeCode, nameof(safeCode));

        SoftwareReset();

        // Offset binary must be selected before the codes are loaded: the DAC register is interpreted
        // in the coding in force. Keep the clamp (OPGND, DACTRI) while loading.
        const Ad5791Control clamped = Ad5791Control.Rbuf | Ad5791Control.OutputGround | Ad5791Control.DacTristate | Ad5791Control.OffsetBinary;
        WriteRegister(Ad5791Register.Control, (uint)clamped);
        WriteRegister(Ad5791Register.ClearCode, safeCode);
        WriteRegister(Ad5791Register.Dac, startCode);
        Verify(Ad5791Register.Control, (uint)clamped);
        Verify(Ad5791Register.ClearCode, safeCode);
        Verify(Ad5791Register.Dac, startCode);

        // The deliberate release: from here the output follows the DAC register.
        const Ad5791Control driven = Ad5791Control.Rbuf | Ad5791Control.OffsetBinary;
        WriteRegister(Ad5791Register.Control, (uint)driven);
        Verify(Ad5791Register.Control, (uint)driven);

        SafeCode = safeCode;
        _lastCode = startCode;
        _initialized = true;
    }

    /// <summary>Writes <paramref name="code"/> to the DAC register (the output follows on SYNC's rising edge). Allocates nothing.</summary>
    public void WriteCode(uint code)
    {
        CheckCode(code, nameof(code));
        ThrowIfNotReady();
        WriteRegister(Ad5791Register.Dac, code);
        _lastCode = code;
    }

    /// <summary>Writes the code nearest to <paramref name="volts"/>, which must lie within [VREFN, VREFP].</summary>
    public void WriteVoltage(double volts) => WriteCode(VoltageToCode(volts));

    /// <summary>The code nearest to <paramref name="volts"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [VREFN, VREFP] or not finite.</exception>
    public uint VoltageToCode(double volts)
    {
        if (!(volts >= ReferenceNegative && volts <= ReferencePositive))
        {
            throw new ArgumentOutOfRangeException(nameof(volts), volts, $"AD5791 output must lie in [{ReferenceNegative} V, {ReferencePositive} V].");
        }

        return (uint)Math.Round((volts - ReferenceNegative) / (ReferencePositive - ReferenceNegative) * MaxCode);
    }

    /// <summary>The output voltage of <paramref name="code"/>.</summary>
    public double CodeToVoltage(uint code)
    {
        CheckCode(code, nameof(code));
        return ReferenceNegative + ((ReferencePositive - ReferenceNegative) * code / MaxCode);
    }

    /// <summary>Reads a register back: a read frame, then a NOP frame that clocks the contents out on SDO.</summary>
    /// <exception cref="IOException">The echoed address differs (SDO not wired or disabled).</exception>
    public uint ReadRegister(Ad5791Register register)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (register is not (Ad5791Register.Dac or Ad5791Register.Control or Ad5791Register.ClearCode))
        {
            throw new ArgumentOutOfRangeException(nameof(register), register, "Only the DAC, control and clearcode registers can be read back.");
        }

        Span<byte> tx = stackalloc byte[FrameBytes];
        Span<byte> rx = stackalloc byte[FrameBytes];
        Encode(tx, ReadBit | ((uint)register << Resolution));
        _spi.Write(tx);
        tx.Clear();
        _spi.TransferFullDuplex(tx, rx);
        uint word = ((uint)rx[0] << 16) | ((uint)rx[1] << 8) | rx[2];
        uint echoed = (word >> Resolution) & 0b1111;
        if (echoed != (0b1000 | (uint)register))
        {
            throw new IOException($"AD5791 readback of {register} returned 0x{word:X6}: the register address was not echoed (is SDO wired and enabled?).");
        }

        return word & MaxCode;
    }

    /// <summary>Reads the DAC register back and throws when it differs from the last code written.</summary>
    /// <exception cref="IOException">Mismatch: the chip did not take the last write.</exception>
    public void VerifyOutput() => Verify(Ad5791Register.Dac, _lastCode);

    /// <summary>Returns the chip to its power-on state (output clamped to ground) via the RESET pin, else the software RESET bit.</summary>
    public void SoftwareReset()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_resetPin >= 0)
        {
            // Datasheet: RESET low pulse ≥ 35 ns; two GPIO writes are far longer.
            WritePin(_resetPin, PinValue.Low);
            WritePin(_resetPin, PinValue.High);
        }
        else
        {
            WriteRegister(Ad5791Register.SoftwareControl, 0b100);
        }

        _initialized = false;
        _lastCode = 0;
    }

    /// <summary>
    /// Emergency clear: loads the clearcode (<see cref="SafeCode"/>) into the DAC and the output. Uses the CLR pin
    /// when wired, so it still works when SPI does not; otherwise the software CLR bit.
    /// </summary>
    public void Clear()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_clrPin >= 0)
        {
            WritePin(_clrPin, PinValue.Low);
            WritePin(_clrPin, PinValue.High);
        }
        else
        {
            WriteRegister(Ad5791Register.SoftwareControl, 0b010);
        }

        _lastCode = SafeCode;
    }

    /// <summary>Leaves the output at <see cref="SafeCode"/> (when initialised) and releases the device.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            if (_initialized && _lastCode != SafeCode)
            {
                try
                {
                    WriteRegister(Ad5791Register.Dac, SafeCode);
                }
                catch (IOException)
                {
                    Clear();
                }
            }
        }
        finally
        {
            _disposed = true;
            if (_shouldDispose)
            {
                _spi.Dispose();
            }
        }
    }

    private void Verify(Ad5791Register register, uint expected)
    {
        uint actual = ReadRegister(register);
        if (actual != expected)
        {
            throw new IOException($"AD5791 {register} register reads back 0x{actual:X5}, expected 0x{expected:X5}.");
        }
    }

    private void WriteRegister(Ad5791Register register, uint data)
    {
        Span<byte> tx = stackalloc byte[FrameBytes];
        Encode(tx, ((uint)register << Resolution) | (data & MaxCode));
        _spi.Write(tx);
    }

    private void WritePin(int pin, PinValue value)
    {
        // The span overload: GpioController.Write(int, PinValue) allocates per call in System.Device.Gpio 4.2.
        _pinWrite[0] = new PinValuePair(pin, value);
        _gpio!.Write(_pinWrite);
    }

    private void ThrowIfNotReady()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_initialized)
        {
            throw new InvalidOperationException("AD5791 is not initialised: call Initialize to release the power-on clamp first.");
        }
    }

    private static void Encode(Span<byte> frame, uint word)
    {
        frame[0] = (byte)(word >> 16);
        frame[1] = (byte)(word >> 8);
        frame[2] = (byte)word;
    }

    private static void CheckCode(uint code, string name)
    {
        if (code > MaxCode)
        {
            throw new ArgumentOutOfRangeException(name, code, $"AD5791 codes are 20-bit: 0 to {MaxCode}.");
        }
    }
}
