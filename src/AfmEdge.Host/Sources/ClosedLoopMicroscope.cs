using System.Device.Gpio;
using AfmEdge.Control;
using AfmEdge.Core;
using AfmEdge.Hardware;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Specimens;
using AfmEdge.Simulation.VirtualAfm;

namespace AfmEdge.Host.Sources;

/// <summary>How the closed-loop virtual microscope is built.</summary>
public sealed record ClosedLoopOptions
{
    /// <summary>Seed of the chromosome specimen (the one <c>afmedge simulate --seed N</c> renders) and of the ADC noise.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>The specimen; null: the default specimen with its field set to the scan area.</summary>
    public SpecimenOptions? Specimen { get; init; }

    /// <summary>Run on the system clock, paced point by point in real time (jitter measurements), instead of the virtual clock.</summary>
    public bool RealTime { get; init; }

    /// <summary>Tip height above the substrate at zero Z extension, metres (null: the microscope's default).</summary>
    public double? TipRestHeight { get; init; }

    /// <summary>No ADC noise.</summary>
    public bool Noiseless { get; init; }

    /// <summary>
    /// The instrument between the specimen and the electronics (tip shape, piezo hysteresis and creep, drift, tilt,
    /// noise, scars, probe offsets, lag); null: a point tip on an ideal instrument. Feedback and FastAxisSubsamples
    /// do not apply: the engine's PID closes the loop, one sample per pixel.
    /// </summary>
    public InstrumentOptions? Instrument { get; init; } = new();

    /// <summary>Multiplies the default Z feedback gains (1: tuned; 10: demonstrably unstable).</summary>
    public double GainScale { get; init; } = 1;

    /// <summary>Deflection setpoint, volts (null: <see cref="ClosedLoopMicroscope.DefaultSetpointVolts"/>).</summary>
    public double? SetpointVolts { get; init; }

    /// <summary>How late a point may be before the watchdog trips (null: the engine's default); widen it to measure jitter on a loaded machine.</summary>
    public TimeSpan? WatchdogSlack { get; init; }
}

/// <summary>
/// The scan engine and the real drivers on the virtual microscope, by default on its virtual clock: the
/// same objects a board uses (<see cref="Control.Board.BoardScanner"/>), with emulated chips behind the SPI
/// and GPIO interfaces. Used by <c>afmedge scan|approach|retract</c> and, as <see cref="ClosedLoopSource"/>,
/// by the host.
/// </summary>
public sealed class ClosedLoopMicroscope : IDisposable
{
    /// <summary>
    /// Z slew limit per line rate, V/s per Hz: the full 20 V Z window in 1/30 of a line, fast enough to follow a
    /// chromosome flank within a pixel or two and far inside the one-line retract the engine requires.
    /// </summary>
    public const double ZSlewPerLineRate = 600;

    /// <summary>Integral step per point as a fraction of the deflection error (1 would be deadbeat on an instantaneous plant).</summary>
    public const double IntegralStep = 0.7;

    /// <summary>Proportional gain, V/V.</summary>
    public const double Proportional = 0.3;

    /// <summary>
    /// Deflection setpoint, volts (150 nm of cantilever deflection). Off a trailing edge the error saturates at the
    /// setpoint, so it sets how fast the tip comes back down ("parachuting").
    /// </summary>
    public const double DefaultSetpointVolts = 1.5;

    /// <summary>Lateral sensitivity of the virtual scanner: ±15 µm over ±10 V, so the whole 20 µm specimen field (with overscan) fits.</summary>
    public const double XyMetresPerVolt = 1.5e-6;

    private readonly GpioController _gpio;
    private readonly Ad5791 _dacX;
    private readonly Ad5791 _dacY;
    private readonly Ad5791 _dacZ;
    private readonly Ad7606 _adc;

    /// <summary>Builds the microscope, its drivers and the engine for <paramref name="scan"/>.</summary>
    /// <exception cref="ArgumentException">The scan does not fit the virtual scanner or the options are invalid.</exception>
    public ClosedLoopMicroscope(ScanSettings scan, ClosedLoopOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(scan);
        options ??= new ClosedLoopOptions();
        if (!(options.GainScale > 0 && double.IsFinite(options.GainScale)))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.GainScale, "GainScale must be positive and finite.");
        }

        VirtualClock = options.RealTime ? null : new VirtualClock();
        Clock = (TimeProvider?)VirtualClock ?? TimeProvider.System;
        var specimenOptions = options.Specimen ?? new SpecimenOptions { FieldSizeX = scan.SizeX, FieldSizeY = scan.SizeY };

        // The engine's raster is centred on the scan offset; the specimen field starts at the scan's corner, as IdealScan's does.
        Surface = new SpecimenSurface(new ChromosomeSpecimen(options.Seed, specimenOptions), scan.SizeX / 2, scan.SizeY / 2);
        ClosedLoopInstrument? instrument = null;
        if (options.Instrument is { } model)
        {
            instrument = new ClosedLoopInstrument(model, scan, options.Seed);
            Surface = TipDilated(Surface, scan, model);
        }

        var afmOptions = new VirtualAfmOptions
        {
            Seed = unchecked((int)options.Seed),
            XyMetresPerVolt = XyMetresPerVolt,
        };
        if (options.TipRestHeight is { } rest)
        {
            afmOptions = afmOptions with { TipRestHeight = rest };
        }

        if (options.Noiseless)
        {
            afmOptions = afmOptions with { NoiseVolts = 0 };
        }

        Afm = new VirtualAfm(Surface, afmOptions, Clock, instrument);
        _gpio = new GpioController(Afm.Gpio);
        _dacX = new Ad5791(Afm.DacXSpi, 10, -10, _gpio, clrPin: VirtualAfm.DacXPins.Clr!.Value, shouldDispose: false);
        _dacY = new Ad5791(Afm.DacYSpi, 10, -10, _gpio, clrPin: VirtualAfm.DacYPins.Clr!.Value, shouldDispose: false);
        _dacZ = new Ad5791(Afm.DacZSpi, 10, -10, _gpio, clrPin: VirtualAfm.DacZPins.Clr!.Value, resetPin: VirtualAfm.DacZPins.Reset!.Value, shouldDispose: false);
        var pins = VirtualAfm.AdcPins;
        _adc = new Ad7606(Afm.AdcSpi, _gpio, pins.Convst, pins.Busy, pins.Reset!.Value, pins.Range!.Value, Ad7606Range.PlusMinus10V, timeProvider: Clock, shouldDispose: false);

        var engineOptions = EngineOptions(scan, Afm.Options, options.GainScale, options.SetpointVolts ?? DefaultSetpointVolts);
        if (options.WatchdogSlack is { } slack)
        {
            engineOptions = engineOptions with { WatchdogSlack = slack };
        }

        var timing = VirtualClock is { } v ? LoopTiming.Stepped(v, v.AdvanceTo) : LoopTiming.RealTime(Clock);
        try
        {
            Engine = new ScanEngine(engineOptions, _dacX, _dacY, _dacZ, _adc, timing);
        }
        catch
        {
            DisposeParts();
            throw;
        }
    }

    /// <summary>The loop's clock: the virtual clock, or the system clock in real time.</summary>
    public TimeProvider Clock { get; }

    /// <summary>The virtual clock (null in real time).</summary>
    public VirtualClock? VirtualClock { get; }

    /// <summary>The specimen as the microscope's sample: dilated by the tip when there is an instrument model.</summary>
    public ISurface Surface { get; }

    /// <summary>The virtual microscope and its emulated chips.</summary>
    public VirtualAfm Afm { get; }

    /// <summary>The scan engine on the emulated chips.</summary>
    public ScanEngine Engine { get; }

    /// <summary>
    /// The engine options the virtual microscope is scanned with: X/Y/Z calibrated as the virtual scanner is,
    /// and Z gains tuned on its plant (deflection volts per Z volt) so the integral corrects
    /// <see cref="IntegralStep"/> of the error per point, times <paramref name="gainScale"/>.
    /// </summary>
    public static ScanEngineOptions EngineOptions(ScanSettings scan, VirtualAfmOptions afm, double gainScale = 1, double setpointVolts = DefaultSetpointVolts)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(afm);
        var options = new ScanEngineOptions
        {
            Scan = scan,
            X = new AxisCalibration(afm.XyMetresPerVolt, -10, 10, 200 * scan.LineRateHz),
            Y = new AxisCalibration(afm.XyMetresPerVolt, -10, 10, 200 * scan.LineRateHz),
            Z = new AxisCalibration(afm.ZMetresPerVolt, -10, 10, ZSlewPerLineRate * scan.LineRateHz),
            SetpointVolts = setpointVolts,
            DeflectionChannel = VirtualAfm.DeflectionInput,
            DeflectionVoltsPerMetre = afm.DeflectionVoltsPerMetre,

            // Height as a Z sensor and the error signal make it: where the virtual piezo was, plus what the loop missed.
            ZResponseSeconds = afm.PiezoTimeConstant,
            HeightIncludesError = true,
            Fields =
            [
                new AdcChannelMap("Current", PhysicalUnit.Ampere, VirtualAfm.CurrentInput, 1 / afm.CurrentVoltsPerAmpere),
                new AdcChannelMap("Potential", PhysicalUnit.Volt, VirtualAfm.PotentialInput, 1 / afm.PotentialGain),
                new AdcChannelMap("Adhesion", PhysicalUnit.Newton, VirtualAfm.AdhesionInput, 1 / afm.AdhesionVoltsPerNewton),
            ],
        };

        // Plant gain dDeflection/dZ = Z m/V × deflection V/m (0.5 by default): the piezo settles within a point.
        double plant = afm.ZMetresPerVolt * afm.DeflectionVoltsPerMetre;
        return options with { Gains = new PidGains(Proportional * gainScale, gainScale * IntegralStep / (plant * options.PointSeconds), 0) };
    }

    /// <summary>
    /// RMS difference (metres) between a height channel and the true surface at the pixel centres (tip-dilated when
    /// there is an instrument model), after removing the best-fit plane of the difference (so tilt and a steady Z
    /// drift do not count, while lateral drift, noise, scars and tracking errors do).
    /// </summary>
    public double HeightRmsError(Channel height)
    {
        ArgumentNullException.ThrowIfNull(height);
        var scan = Engine.Scan;
        var data = height.Data;
        int n = scan.PixelsX * scan.PixelsY;
        var diff = new double[n];

        // Least squares of diff = a + b·i + c·j; the pixel grid is regular, so the normal equations separate.
        double mean = 0, si = 0, sj = 0;
        double ci = (scan.PixelsX - 1) / 2.0;
        double cj = (scan.PixelsY - 1) / 2.0;
        for (int j = 0; j < scan.PixelsY; j++)
        {
            for (int i = 0; i < scan.PixelsX; i++)
            {
                var (x, y) = PixelCentre(scan, i, j);
                int k = (j * scan.PixelsX) + i;
                diff[k] = data[k] - Surface.HeightAt(x, y);
                mean += diff[k];
                si += diff[k] * (i - ci);
                sj += diff[k] * (j - cj);
            }
        }

        double varI = (((double)scan.PixelsX * scan.PixelsX) - 1) / 12.0;
        double varJ = (((double)scan.PixelsY * scan.PixelsY) - 1) / 12.0;
        mean /= n;
        double slopeI = si / n / varI;
        double slopeJ = sj / n / varJ;
        double sum = 0;
        for (int j = 0; j < scan.PixelsY; j++)
        {
            for (int i = 0; i < scan.PixelsX; i++)
            {
                double d = diff[(j * scan.PixelsX) + i] - mean - (slopeI * (i - ci)) - (slopeJ * (j - cj));
                sum += d * d;
            }
        }

        return Math.Sqrt(sum / n);
    }

    // The tip-dilated sample over everything the probes can reach in a frame (overscan, rotation, probe offsets, piezo
    // errors) plus drift over a few frames, on a grid of half a pixel; beyond it the specimen is read with a point tip.
    private static DilatedSurface TipDilated(ISurface surface, ScanSettings scan, InstrumentOptions model)
    {
        double a = scan.AngleDegrees * Math.PI / 180;
        double sx = scan.SizeX * (1 + (2 * scan.Overscan));
        double sy = scan.SizeY * (1 + (2 * scan.Overscan));
        double hx = 0.5 * ((sx * Math.Abs(Math.Cos(a))) + (sy * Math.Abs(Math.Sin(a))));
        double hy = 0.5 * ((sx * Math.Abs(Math.Sin(a))) + (sy * Math.Abs(Math.Cos(a))));
        var probes = model.ProbeOffsets;
        double reach = Math.Max(Math.Max(Math.Abs(probes.Current.Dx), Math.Abs(probes.Current.Dy)), Math.Max(Math.Abs(probes.Potential.Dx), Math.Abs(probes.Potential.Dy)));
        reach += (model.Piezo.Hysteresis * sx) + (model.Piezo.Creep * sy) + Math.Abs(model.TraceRetrace.RetraceOffset) + (0.02 * Math.Max(sx, sy));
        double drift = 4 * scan.FrameTime.TotalSeconds;
        double mx = reach + Math.Min(Math.Abs(model.Drift.VelocityX) * drift, 0.5 * sx);
        double my = reach + Math.Min(Math.Abs(model.Drift.VelocityY) * drift, 0.5 * sy);
        double spacing = 0.5 * Math.Min(scan.PixelSizeX, scan.PixelSizeY);
        double width = 2 * (hx + mx);
        double depth = 2 * (hy + my);

        // At most 4 M grid points: a fine scan of a large area gets a coarser grid rather than a long start.
        spacing = Math.Max(spacing, Math.Sqrt(width * depth / (4.0 * 1024 * 1024)));
        return new DilatedSurface(surface, scan.OffsetX - hx - mx, scan.OffsetY - hy - my, scan.OffsetX + hx + mx, scan.OffsetY + hy + my, spacing, model.Tip);
    }

    /// <summary>Stops the engine (retracting Z) and releases the drivers and the microscope.</summary>
    public void Dispose()
    {
        Engine.Dispose();
        DisposeParts();
    }

    // Where the engine puts pixel (i, j), in the scanner's coordinates.
    private static (double X, double Y) PixelCentre(ScanSettings scan, int i, int j)
    {
        double a = scan.AngleDegrees * Math.PI / 180;
        double u = (((i + 0.5) / scan.PixelsX) - 0.5) * scan.SizeX;
        double v = (((j + 0.5) / scan.PixelsY) - 0.5) * scan.SizeY;
        return (scan.OffsetX + (u * Math.Cos(a)) - (v * Math.Sin(a)), scan.OffsetY + (u * Math.Sin(a)) + (v * Math.Cos(a)));
    }

    private void DisposeParts()
    {
        _dacX.Dispose();
        _dacY.Dispose();
        _dacZ.Dispose();
        _adc.Dispose();
        _gpio.Dispose();
        Afm.Dispose();
    }
}
