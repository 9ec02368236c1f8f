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
/// piezo follows its DAC voltage with a first-order lag; the tip sits at <c>TipRestHeight − z</c>; where it
/// is below the surface the cantilever deflects by the difference (a hard sample), otherwise it hangs free.
/// ADC inputs (V1 first): deflection, current, potential, adhesion; V5..V8 read 0 V. Current and adhesion
/// read 0 out of contact.</para>
/// <para>With a <see cref="ClosedLoopInstrument"/> the lateral piezos head for the targets its hysteresis and
/// creep give, and the surface and fields the probes meet carry its drift, tilt, noise, scars, lag and probe
/// offsets; give it a <see cref="DilatedSurface"/> for the tip's shape. Without one the tip is a point on an
/// ideal instrument.</para>
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
    private readonly ClosedLoopInstrument? _instrument;
    private readonly Lock _gate = new();
    private DateTimeOffset _origin;
    private DateTimeOffset _last;
    private bool _started;
    private double _x;
    private double _y;
    private double _z;
    private ulong _rng;

    /// <summary>Builds the microscope over <paramref name="surface"/> with its clock, and optionally the instrument model.</summary>
    public VirtualAfm(ISurface surface, VirtualAfmOptions options, TimeProvider time, ClosedLoopInstrument? instrument = null)
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
        _instrument = instrument;
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

    /// <summary>The instrument model (null: an ideal instrument).</summary>
    public ClosedLoopInstrument? Instrument => _instrument;

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
                return (_x, _y, _options.TipRestHeight - _z);
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
            double x = _x;
            double y = _y;
            double tip = _options.TipRestHeight - _z;
            double surface, current, potential, adhesion;
            if (_instrument is null)
            {
                surface = _surface.HeightAt(x, y);
                current = _surface.CurrentAt(x, y);
                potential = _surface.PotentialAt(x, y);
                adhesion = _surface.AdhesionAt(x, y);
            }
            else
            {
                _instrument.Sample(_surface, (time - _origin).TotalSeconds, x, y, out surface, out current, out potential, out adhesion);
            }

            double deflection = surface - tip;
            bool contact = deflection > 0;
            voltages.Clear();
            voltages[DeflectionInput] = (contact ? deflection * _options.DeflectionVoltsPerMetre : 0) + Noise();
            voltages[CurrentInput] = (contact ? current * _options.CurrentVoltsPerAmpere : 0) + Noise();
            voltages[PotentialInput] = (potential * _options.PotentialGain) + Noise();
            voltages[AdhesionInput] = (contact ? adhesion * _options.AdhesionVoltsPerNewton : 0) + Noise();
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
        double commandX = Volts(DacX) * _options.XyMetresPerVolt;
        double commandY = Volts(DacY) * _options.XyMetresPerVolt;
        double tz = Volts(DacZ) * _options.ZMetresPerVolt;
        if (!_started)
        {
            _origin = now;
        }

        var (tx, ty) = _instrument is null ? (commandX, commandY) : _instrument.PiezoTarget((now - _origin).TotalSeconds, commandX, commandY);
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
        _x += a * (tx - _x);
        _y += a * (ty - _y);
        _z += a * (tz - _z);
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
