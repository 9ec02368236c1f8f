using System.Device.Gpio;
using AfmEdge.Simulation.Electronics;

namespace AfmEdge.Simulation.VirtualAfm;

/// <summary>
/// The virtual microscope with its electronics: three AD5791 DACs drive the X, Y and Z piezos, an
/// AD7606 samples the cantilever deflection and the fields, all behind emulated SPI devices and an
/// emulated GPIO controller, so the real drivers and scan engine run against it unchanged.
/// </summary>
/// <remarks>
/// <para>Physics, evaluated when the ADC's track-and-hold samples (<see cref="SampleInputs"/>): each
/// piezo follows its DAC voltage with a first-order lag (plus optional creep and play-band hysteresis on X/Y); the tip sits at
/// <c>TipRestHeight − z</c>; where it is below the surface the cantilever deflects by the difference
/// (a hard sample), otherwise it hangs free. ADC inputs (V1 first): deflection, current, potential,
/// adhesion; V5..V8 read 0 V. Current and adhesion read 0 out of contact.</para>
/// </remarks>
public sealed class VirtualAfm : IAnalogInputSource, IDisposable
{
    /// <summary>ADC input carrying the deflection (error) signal.</summary>
    public const int DeflectionInput = 0;

    /// <summary>ADC input carrying the current (probe module 1).</summary>
    public const int CurrentInput = 1;

    /// <summary>ADC input carrying the surface potential (probe module 2).</summary>
    public const int PotentialInput = 2;

    /// <summary>ADC input carrying the adhesion signal.</summary>
    public const int AdhesionInput = 3;

    /// <summary>Host GPIO wiring of the virtual board.</summary>
    public static readonly Ad7606Pins AdcPins = new(Convst: 17, Busy: 27, Reset: 22, Range: 23);

    /// <summary>X DAC control pins (CLR wired for the emergency clear).</summary>
    public static readonly Ad5791Pins DacXPins = new(Clr: 5);

    /// <summary>Y DAC control pins.</summary>
    public static readonly Ad5791Pins DacYPins = new(Clr: 6);

    /// <summary>Z DAC control pins: CLR is the hardware retract that works without SPI.</summary>
    public static readonly Ad5791Pins DacZPins = new(Clr: 13, Reset: 19);

    private readonly ISurface _surface;
    private readonly VirtualAfmOptions _options;
    private readonly Lock _gate = new();
    private DateTimeOffset _last;
    private bool _started;
    private double _x;
    private double _y;
    private double _z;
    private double _creepX;
    private double _creepY;
    private double _playX;
    private double _playY;
    private ulong _rng;

    /// <summary>Builds the microscope over <paramref name="surface"/> with its clock.</summary>
    public VirtualAfm(ISurface surface, VirtualAfmOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(surface);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid virtual AFM options: " + string.Join(" ", errors), nameof(options));
        }

        _surface = surface;
        _options = options;
        Time = time;
        _rng = 0x9E3779B97F4A7C15UL ^ (ulong)(uint)options.Seed;

        DacX = new Ad5791Emulator();
        DacY = new Ad5791Emulator();
        DacZ = new Ad5791Emulator();
        Adc = new Ad7606Emulator(this, time);
        Gpio = new EmulatedGpioDriver();
        Gpio.Connect(Adc, AdcPins);
        Gpio.Connect(DacX, DacXPins);
        Gpio.Connect(DacY, DacYPins);
        Gpio.Connect(DacZ, DacZPins);
        DacXSpi = new EmulatedSpiDevice(DacX, new(0, 0));
        DacYSpi = new EmulatedSpiDevice(DacY, new(0, 1));
        DacZSpi = new EmulatedSpiDevice(DacZ, new(0, 2));
        AdcSpi = new EmulatedSpiDevice(Adc, new(1, 0));
    }

    /// <summary>The clock the physics and the ADC run on.</summary>
    public TimeProvider Time { get; }

    /// <summary>The options in force.</summary>
    public VirtualAfmOptions Options => _options;

    /// <summary>X piezo DAC.</summary>
    public Ad5791Emulator DacX { get; }

    /// <summary>Y piezo DAC.</summary>
    public Ad5791Emulator DacY { get; }

    /// <summary>Z piezo DAC.</summary>
    public Ad5791Emulator DacZ { get; }

    /// <summary>The ADC (fault injection: stuck, saturation, BUSY, slow conversions).</summary>
    public Ad7606Emulator Adc { get; }

    /// <summary>The GPIO driver; wrap it in a <see cref="GpioController"/>.</summary>
    public EmulatedGpioDriver Gpio { get; }

    /// <summary>SPI device of the X DAC (bus 0, CS 0).</summary>
    public EmulatedSpiDevice DacXSpi { get; }

    /// <summary>SPI device of the Y DAC (bus 0, CS 1).</summary>
    public EmulatedSpiDevice DacYSpi { get; }

    /// <summary>SPI device of the Z DAC (bus 0, CS 2).</summary>
    public EmulatedSpiDevice DacZSpi { get; }

    /// <summary>SPI device of the ADC (bus 1, CS 0).</summary>
    public EmulatedSpiDevice AdcSpi { get; }

    /// <summary>Tip position (x, y) in metres and its height above the substrate plane, at the last sample.</summary>
    public (double X, double Y, double TipHeight) TipPosition
    {
        get
        {
            lock (_gate)
            {
                return (_x + _creepX, _y + _creepY, _options.TipRestHeight - _z);
            }
        }
    }

    /// <summary>Surface height under the tip at the last sample, metres.</summary>
    public double SurfaceHeightUnderTip
    {
        get
        {
            var (x, y, _) = TipPosition;
            return _surface.HeightAt(x, y);
        }
    }

    /// <inheritdoc />
    public void SampleInputs(DateTimeOffset time, Span<double> voltages)
    {
        lock (_gate)
        {
            UpdatePiezos(time);
            double x = _x + _creepX;
            double y = _y + _creepY;
            double tip = _options.TipRestHeight - _z;
            double surface = _surface.HeightAt(x, y);
            double deflection = surface - tip;
            bool contact = deflection > 0;
            voltages.Clear();
            voltages[DeflectionInput] = (contact ? deflection * _options.DeflectionVoltsPerMetre : 0) + Noise();
            voltages[CurrentInput] = (contact ? _surface.CurrentAt(x, y) * _options.CurrentVoltsPerAmpere : 0) + Noise();
            voltages[PotentialInput] = (_surface.PotentialAt(x, y) * _options.PotentialGain) + Noise();
            voltages[AdhesionInput] = (contact ? _surface.AdhesionAt(x, y) * _options.AdhesionVoltsPerNewton : 0) + Noise();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        DacXSpi.Dispose();
        DacYSpi.Dispose();
        DacZSpi.Dispose();
        AdcSpi.Dispose();
        Adc.Dispose();
        Gpio.Dispose();
    }

    private void UpdatePiezos(DateTimeOffset now)
    {
        double half = _options.HysteresisWidth / 2;
        double commandX = Volts(DacX) * _options.XyMetresPerVolt;
        double commandY = Volts(DacY) * _options.XyMetresPerVolt;
        double tz = Volts(DacZ) * _options.ZMetresPerVolt;
        if (!_started)
        {
            _playX = commandX;
            _playY = commandY;
        }

        // Play operator: the piezo's target stays put until the command leaves the band around it.
        _playX = Math.Clamp(_playX, commandX - half, commandX + half);
        _playY = Math.Clamp(_playY, commandY - half, commandY + half);
        double tx = _playX;
        double ty = _playY;
        if (!_started)
        {
            _started = true;
            _last = now;
            _x = tx;
            _y = ty;
            _z = tz;
            return;
        }

        double dt = Math.Max(0, (now - _last).TotalSeconds);
        _last = now;

        // Voltage held constant since the last sample: exact first-order step response over dt.
        double a = 1 - Math.Exp(-dt / _options.PiezoTimeConstant);
        double c = _options.CreepFraction;
        _x += a * (((1 - c) * tx) - _x);
        _y += a * (((1 - c) * ty) - _y);
        _z += a * (tz - _z);
        if (c > 0)
        {
            double b = 1 - Math.Exp(-dt / _options.CreepTimeConstant);
            _creepX += b * ((c * tx) - _creepX);
            _creepY += b * ((c * ty) - _creepY);
        }
    }

    // A clamped output reads 0 V; a tristated one floats, modelled as 0 V too.
    private static double Volts(Ad5791Emulator dac)
    {
        double v = dac.OutputVoltage;
        return double.IsNaN(v) ? 0 : v;
    }

    // Roughly Gaussian: sum of four uniforms from a splitmix64 stream, rescaled to unit variance.
    private double Noise()
    {
        if (_options.NoiseVolts == 0)
        {
            return 0;
        }

        double sum = 0;
        for (int i = 0; i < 4; i++)
        {
            _rng += 0x9E3779B97F4A7C15UL;
            ulong z = _rng;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            sum += (z >> 11) * (1.0 / (1UL << 53));
        }

        return (sum - 2.0) * Math.Sqrt(3.0) * _options.NoiseVolts;
    }
}
