using System.Buffers.Binary;
using System.Device.Gpio;
using System.Device.Spi;

namespace AfmEdge.Hardware;

/// <summary>AD7606 analog input range, selected by the RANGE pin (sampled when a conversion starts).</summary>
public enum Ad7606Range
{
    /// <summary>RANGE low: ±5 V full scale.</summary>
    PlusMinus5V,

    /// <summary>RANGE high: ±10 V full scale.</summary>
    PlusMinus10V,
}

/// <summary>
/// Driver for the Analog Devices AD7606 eight-channel simultaneous-sampling 16-bit ADC in hardware
/// mode with serial output: CONVST (A and B tied), BUSY, and optional RESET and RANGE on GPIO, results on SPI.
/// </summary>
/// <remarks>
/// <para>One conversion and read (<see cref="ConvertAndRead(Span{short})"/>):</para>
/// <code>
/// CONVST  ___/‾‾\____________________________________________
///            | track-and-hold captures V1..V8 together
/// BUSY    ____/‾‾‾‾‾ tCONV ≈ 4 µs (4.15 µs max) ‾‾\____________   polled, never edge-waited:
///                                                 |            the pulse ends before a wait arms
/// CS      ‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾\____ ... ___/‾‾
/// DOUTA                                             [V1 D15..D0][V2]...[V8]   128 SCLK, MSB first
/// </code>
/// <para>Each result is 16-bit two's complement; LSB = 2·FS / 65536 (FS = 5 V or 10 V). SPI: SCLK idles
/// high and data is read on the rising edge (mode 3, as Linux's ad7606 binding uses); SCLK up to 23.5 MHz
/// at VDRIVE 4.75–5.25 V (17 MHz at lower VDRIVE), so <see cref="CreateSettings"/> defaults to 17 MHz.</para>
/// <para>RESET (active high, ≥ 50 ns) is required once after power-up; the constructor pulses it when wired.</para>
/// </remarks>
public sealed class Ad7606 : IDisposable
{
    /// <summary>Number of channels.</summary>
    public const int ChannelCount = 8;

    /// <summary>Fastest SCLK in the datasheet (VDRIVE 4.75 V to 5.25 V).</summary>
    public const int MaxClockHz = 23_500_000;

    /// <summary>SCLK that also suits VDRIVE down to 2.7 V.</summary>
    public const int DefaultClockHz = 17_000_000;

    /// <summary>SPI mode: SCLK idles high, data read on the rising edge.</summary>
    public const SpiMode Mode = SpiMode.Mode3;

    /// <summary>Longest conversion time with oversampling off (datasheet tCONV max).</summary>
    public static readonly TimeSpan MaxConversionTime = TimeSpan.FromTicks(42);

    /// <summary>Shortest conversion time the datasheet allows (tCONV min, 3.45 µs): if BUSY is still low after it, BUSY cannot be trusted.</summary>
    public static readonly TimeSpan MinConversionTime = TimeSpan.FromTicks(34);

    private const int FrameBytes = ChannelCount * 2;

    private readonly SpiDevice _spi;
    private readonly GpioController _gpio;
    private readonly TimeProvider _time;
    private readonly int _convstPin;
    private readonly int _busyPin;
    private readonly int _resetPin;
    private readonly int _rangePin;
    private readonly bool _shouldDispose;
    private readonly long _busyTimeoutTicks;
    private readonly long _minConversionTicks;
    private readonly PinValuePair[] _pinWrite = new PinValuePair[1];
    private Ad7606Range _range;
    private bool _disposed;

    /// <summary>Creates the driver, opens its pins and, when RESET is wired, resets the chip.</summary>
    /// <param name="spiDevice">A configured device (see <see cref="CreateSettings"/>).</param>
    /// <param name="gpio">Controller for the control pins.</param>
    /// <param name="convstPin">CONVST A+B pin (output).</param>
    /// <param name="busyPin">BUSY pin (input).</param>
    /// <param name="resetPin">RESET pin, or −1 when the board resets the chip itself.</param>
    /// <param name="rangePin">RANGE pin, or −1 when strapped to <paramref name="range"/>.</param>
    /// <param name="range">Input range: driven on RANGE when wired, else the strapped range.</param>
    /// <param name="busyTimeout">How long BUSY may stay high; default 1 ms (the datasheet's 4.15 µs plus scheduling slack).</param>
    /// <param name="timeProvider">Clock for the BUSY timeout; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="shouldDispose">Whether <see cref="Dispose"/> disposes <paramref name="spiDevice"/>.</param>
    public Ad7606(
        SpiDevice spiDevice,
        GpioController gpio,
        int convstPin,
        int busyPin,
        int resetPin = -1,
        int rangePin = -1,
        Ad7606Range range = Ad7606Range.PlusMinus10V,
        TimeSpan? busyTimeout = null,
        TimeProvider? timeProvider = null,
        bool shouldDispose = true)
    {
        ArgumentNullException.ThrowIfNull(spiDevice);
        ArgumentNullException.ThrowIfNull(gpio);
        ArgumentOutOfRangeException.ThrowIfNegative(convstPin);
        ArgumentOutOfRangeException.ThrowIfNegative(busyPin);
        if (!Enum.IsDefined(range))
        {
            throw new ArgumentOutOfRangeException(nameof(range), range, "Unknown AD7606 range.");
        }

        var timeout = busyTimeout ?? TimeSpan.FromMilliseconds(1);
        if (timeout < MaxConversionTime || timeout > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(busyTimeout), timeout, $"BUSY timeout must lie between tCONV max ({MaxConversionTime.TotalMicroseconds} µs) and 1 s.");
        }

        if (spiDevice.ConnectionSettings.ClockFrequency > MaxClockHz)
        {
            throw new ArgumentOutOfRangeException(nameof(spiDevice), spiDevice.ConnectionSettings.ClockFrequency, $"AD7606 SCLK must be at most {MaxClockHz} Hz.");
        }

        GpioPins.CheckDistinct("AD7606", ("CONVST", convstPin), ("BUSY", busyPin), ("RESET", resetPin), ("RANGE", rangePin));

        _spi = spiDevice;
        _gpio = gpio;
        _time = timeProvider ?? TimeProvider.System;
        _convstPin = convstPin;
        _busyPin = busyPin;
        _resetPin = resetPin;
        _rangePin = rangePin;
        _shouldDispose = shouldDispose;
        _busyTimeoutTicks = (long)(timeout.TotalSeconds * _time.TimestampFrequency);
        _minConversionTicks = (long)(MinConversionTime.TotalSeconds * _time.TimestampFrequency);

        GpioPins.OpenOutput(gpio, "AD7606 CONVST", convstPin, PinValue.Low);
        GpioPins.OpenInput(gpio, "AD7606 BUSY", busyPin);
        GpioPins.OpenOutput(gpio, "AD7606 RESET", resetPin, PinValue.Low);
        GpioPins.OpenOutput(gpio, "AD7606 RANGE", rangePin, range == Ad7606Range.PlusMinus10V ? PinValue.High : PinValue.Low);
        _range = range;
        Reset();
    }

    /// <summary>Input range used to scale results.</summary>
    public Ad7606Range Range
    {
        get => _range;
        set
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown AD7606 range.");
            }

            if (_rangePin < 0)
            {
                if (value != _range)
                {
                    throw new InvalidOperationException($"AD7606 RANGE is strapped to {_range} on this board; it cannot be changed to {value}.");
                }

                return;
            }

            WritePin(_rangePin, value == Ad7606Range.PlusMinus10V ? PinValue.High : PinValue.Low);
            _range = value;
        }
    }

    /// <summary>Volts per LSB in the current range.</summary>
    public double LsbVolts => FullScale(_range) / 32768.0;

    /// <summary>SPI settings for the AD7606: mode 3, 8-bit words, MSB first.</summary>
    public static SpiConnectionSettings CreateSettings(int busId, int chipSelectLine, int clockFrequency = DefaultClockHz)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clockFrequency);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(clockFrequency, MaxClockHz);
        return new SpiConnectionSettings(busId, chipSelectLine)
        {
            Mode = Mode,
            DataBitLength = 8,
            ClockFrequency = clockFrequency,
            DataFlow = DataFlow.MsbFirst,
        };
    }

    /// <summary>Positive full scale in volts.</summary>
    public static double FullScale(Ad7606Range range) => range switch
    {
        Ad7606Range.PlusMinus5V => 5.0,
        Ad7606Range.PlusMinus10V => 10.0,
        _ => throw new ArgumentOutOfRangeException(nameof(range), range, "Unknown AD7606 range."),
    };

    /// <summary>Voltage of <paramref name="code"/> in <paramref name="range"/>.</summary>
    public static double CodeToVoltage(short code, Ad7606Range range) => code * FullScale(range) / 32768.0;

    /// <summary>Pulses RESET (when wired): aborts any conversion and clears the results, as required after power-up.</summary>
    public void Reset()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_resetPin >= 0)
        {
            WritePin(_resetPin, PinValue.High);
            WritePin(_resetPin, PinValue.Low);
        }
    }

    /// <summary>
    /// Starts a conversion of all eight channels, waits for BUSY to fall, and reads the eight results
    /// (V1 first) into <paramref name="codes"/>. Allocates nothing.
    /// </summary>
    /// <exception cref="IOException">BUSY did not rise, or did not fall within the timeout, or SPI failed.</exception>
    public void ConvertAndRead(Span<short> codes)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (codes.Length < ChannelCount)
        {
            throw new ArgumentException($"Destination holds {codes.Length} codes; the AD7606 returns {ChannelCount}.", nameof(codes));
        }

        // CONVST rising edge samples the inputs; bring it low again so the next conversion sees an edge.
        // The clock is read before the edge so `elapsed` never understates the conversion's age.
        long start = _time.GetTimestamp();
        WritePin(_convstPin, PinValue.High);
        WritePin(_convstPin, PinValue.Low);

        bool seenHigh = false;
        while (true)
        {
            bool busy = _gpio.Read(_busyPin) == PinValue.High;
            long elapsed = _time.GetTimestamp() - start;
            if (busy)
            {
                seenHigh = true;
                if (elapsed > _busyTimeoutTicks)
                {
                    throw new BusyTimeoutException($"AD7606 BUSY (pin {_busyPin}) stayed high for more than {(double)_busyTimeoutTicks / _time.TimestampFrequency * 1e6:0} µs after CONVST: the conversion did not complete.");
                }

                continue;
            }

            if (seenHigh)
            {
                break; // falling edge: new results in the output registers
            }

            if (elapsed < _minConversionTicks)
            {
                // BUSY rises within 40 ns of CONVST and stays high for at least tCONV min: low now means it never rose.
                throw new BusyTimeoutException($"AD7606 BUSY (pin {_busyPin}) never rose after CONVST (pin {_convstPin}): check the BUSY wiring or the chip.");
            }

            // First look came after tCONV min: the pulse may have been missed; the conversion is over either way.
            break;
        }

        Span<byte> frame = stackalloc byte[FrameBytes];
        _spi.Read(frame);
        for (int i = 0; i < ChannelCount; i++)
        {
            codes[i] = BinaryPrimitives.ReadInt16BigEndian(frame[(2 * i)..]);
        }
    }

    /// <summary>As <see cref="ConvertAndRead(Span{short})"/>, scaled to volts in the current range.</summary>
    public void ConvertAndRead(Span<double> volts)
    {
        if (volts.Length < ChannelCount)
        {
            throw new ArgumentException($"Destination holds {volts.Length} values; the AD7606 returns {ChannelCount}.", nameof(volts));
        }

        Span<short> codes = stackalloc short[ChannelCount];
        ConvertAndRead(codes);
        double lsb = LsbVolts;
        for (int i = 0; i < ChannelCount; i++)
        {
            volts[i] = codes[i] * lsb;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_shouldDispose)
        {
            _spi.Dispose();
        }
    }

    private void WritePin(int pin, PinValue value)
    {
        // The span overload: GpioController.Write(int, PinValue) allocates per call in System.Device.Gpio 4.2.
        _pinWrite[0] = new PinValuePair(pin, value);
        _gpio.Write(_pinWrite);
    }
}

/// <summary>The AD7606's BUSY line misbehaved: it stayed high past the timeout, or never rose after CONVST.</summary>
public sealed class BusyTimeoutException : IOException
{
    /// <summary>Creates the exception with a message naming the pin.</summary>
    public BusyTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with no message.</summary>
    public BusyTimeoutException()
    {
    }

    /// <summary>Creates the exception wrapping <paramref name="innerException"/>.</summary>
    public BusyTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
