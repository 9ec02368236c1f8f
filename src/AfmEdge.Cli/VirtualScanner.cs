using System.Device.Gpio;
using AfmEdge.Control;
using AfmEdge.Core;
using AfmEdge.Hardware;
using AfmEdge.Simulation.Specimens;
using AfmEdge.Simulation.VirtualAfm;

namespace AfmEdge.Cli;

/// <summary>
/// The scan engine and the real drivers on the virtual microscope, on its virtual clock: the same
/// objects a board would use, with emulated chips behind the SPI and GPIO interfaces.
/// </summary>
internal sealed class VirtualScanner : IDisposable
{
    private readonly GpioController _gpio;
    private readonly Ad5791 _dacX;
    private readonly Ad5791 _dacY;
    private readonly Ad5791 _dacZ;
    private readonly Ad7606 _adc;

    /// <param name="scan">The raster.</param>
    /// <param name="seed">Sample and noise seed.</param>
    /// <param name="realTime">Run on the system clock, paced in real time (jitter measurements), instead of the virtual clock.</param>
    /// <param name="tipRestHeight">Tip height above the substrate at zero Z extension, metres (null: the microscope's default).</param>
    public VirtualScanner(ScanSettings scan, int seed, bool realTime = false, double? tipRestHeight = null)
    {
        VirtualClock = realTime ? null : new VirtualClock();
        Clock = (TimeProvider?)VirtualClock ?? TimeProvider.System;
        Surface = SeededSurface(scan, seed);
        var afmOptions = new VirtualAfmOptions { Seed = seed };
        if (tipRestHeight is { } rest)
        {
            afmOptions = afmOptions with { TipRestHeight = rest };
        }

        Afm = new VirtualAfm(Surface, afmOptions, Clock);
        _gpio = new GpioController(Afm.Gpio);
        _dacX = new Ad5791(Afm.DacXSpi, 10, -10, _gpio, clrPin: VirtualAfm.DacXPins.Clr!.Value, shouldDispose: false);
        _dacY = new Ad5791(Afm.DacYSpi, 10, -10, _gpio, clrPin: VirtualAfm.DacYPins.Clr!.Value, shouldDispose: false);
        _dacZ = new Ad5791(Afm.DacZSpi, 10, -10, _gpio, clrPin: VirtualAfm.DacZPins.Clr!.Value, resetPin: VirtualAfm.DacZPins.Reset!.Value, shouldDispose: false);
        var pins = VirtualAfm.AdcPins;
        _adc = new Ad7606(Afm.AdcSpi, _gpio, pins.Convst, pins.Busy, pins.Reset!.Value, pins.Range!.Value, Hardware.Ad7606Range.PlusMinus10V, timeProvider: Clock, shouldDispose: false);

        var options = new ScanEngineOptions
        {
            Scan = scan,
            X = new AxisCalibration(Afm.Options.XyMetresPerVolt, -10, 10, 200 * scan.LineRateHz),
            Y = new AxisCalibration(Afm.Options.XyMetresPerVolt, -10, 10, 200 * scan.LineRateHz),
            Z = new AxisCalibration(Afm.Options.ZMetresPerVolt, -10, 10, 80 * scan.LineRateHz),
            DeflectionChannel = VirtualAfm.DeflectionInput,
            DeflectionVoltsPerMetre = Afm.Options.DeflectionVoltsPerMetre,
            Fields =
            [
                new AdcChannelMap("Current", PhysicalUnit.Ampere, VirtualAfm.CurrentInput, 1 / Afm.Options.CurrentVoltsPerAmpere),
                new AdcChannelMap("Potential", PhysicalUnit.Volt, VirtualAfm.PotentialInput, 1 / Afm.Options.PotentialGain),
                new AdcChannelMap("Adhesion", PhysicalUnit.Newton, VirtualAfm.AdhesionInput, 1 / Afm.Options.AdhesionVoltsPerNewton),
            ],
        };

        // Plant gain dDeflection/dZ = Z m/V × deflection V/m; an integral step of 0.4 of the error per point.
        double plant = Afm.Options.ZMetresPerVolt * Afm.Options.DeflectionVoltsPerMetre;
        options = options with { Gains = new PidGains(0.1, 0.4 / (plant * options.PointSeconds), 0) };
        var timing = VirtualClock is { } v ? LoopTiming.Stepped(v, v.AdvanceTo) : LoopTiming.RealTime(Clock);
        try
        {
            Engine = new ScanEngine(options, _dacX, _dacY, _dacZ, _adc, timing);
        }
        catch
        {
            DisposeParts();
            throw;
        }
    }

    public TimeProvider Clock { get; }

    public VirtualClock? VirtualClock { get; }

    public ISurface Surface { get; }

    public VirtualAfm Afm { get; }

    public ScanEngine Engine { get; }

    public void Dispose()
    {
        Engine.Dispose();
        DisposeParts();
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

    /// <summary>RMS difference (metres) between a height channel and the true surface at the pixel centres, means removed.</summary>
    public double HeightRmsError(Channel height, ScanSettings scan)
    {
        var data = height.Data;
        int n = scan.PixelsX * scan.PixelsY;
        double meanDiff = 0;
        var diff = new double[n];
        for (int j = 0; j < scan.PixelsY; j++)
        {
            double y = scan.OffsetY + ((((j + 0.5) / scan.PixelsY) - 0.5) * scan.SizeY);
            for (int i = 0; i < scan.PixelsX; i++)
            {
                double x = scan.OffsetX + ((((i + 0.5) / scan.PixelsX) - 0.5) * scan.SizeX);
                int k = (j * scan.PixelsX) + i;
                diff[k] = data[k] - Surface.HeightAt(x, y);
                meanDiff += diff[k];
            }
        }

        meanDiff /= n;
        double sum = 0;
        foreach (var d in diff)
        {
            sum += (d - meanDiff) * (d - meanDiff);
        }

        return Math.Sqrt(sum / n);
    }

    // The chromosome specimen of this seed with its field set to the scan area: the specimen that
    // `afmedge simulate --seed N --size-um S` renders, scanned here through the closed loop.
    private static SpecimenSurface SeededSurface(ScanSettings scan, int seed)
    {
        var specimen = new ChromosomeSpecimen(seed, new SpecimenOptions { FieldSizeX = scan.SizeX, FieldSizeY = scan.SizeY });
        return new SpecimenSurface(specimen, scan.SizeX / 2, scan.SizeY / 2);
    }
}
