using System.Device.Gpio;
using AfmEdge.Core;
using AfmEdge.Hardware;
using AfmEdge.Simulation.VirtualAfm;

namespace AfmEdge.Control.Tests;

/// <summary>The real drivers and engine wired to the virtual microscope on a virtual clock.</summary>
internal sealed class VirtualRig : IDisposable
{
    public VirtualRig(ScanEngineOptions? options = null, ISurface? surface = null, VirtualAfmOptions? afmOptions = null, TimeSpan? busyTimeout = null, Func<System.Device.Spi.SpiDevice, System.Device.Spi.SpiDevice>? wrapDac = null, ClosedLoopInstrument? instrument = null)
    {
        Clock = new VirtualClock();
        Surface = new ShiftableSurface(surface ?? DefaultSurface());
        Afm = new VirtualAfm(Surface, afmOptions ?? new VirtualAfmOptions(), Clock, instrument);
        Gpio = new GpioController(Afm.Gpio);
        wrapDac ??= static spi => spi;
        DacX = new Ad5791(wrapDac(Afm.DacXSpi), 10, -10, Gpio, clrPin: VirtualAfm.DacXPins.Clr!.Value, shouldDispose: false);
        DacY = new Ad5791(wrapDac(Afm.DacYSpi), 10, -10, Gpio, clrPin: VirtualAfm.DacYPins.Clr!.Value, shouldDispose: false);
        DacZ = new Ad5791(wrapDac(Afm.DacZSpi), 10, -10, Gpio, clrPin: VirtualAfm.DacZPins.Clr!.Value, resetPin: VirtualAfm.DacZPins.Reset!.Value, shouldDispose: false);
        var pins = VirtualAfm.AdcPins;
        Adc = new Ad7606(Afm.AdcSpi, Gpio, pins.Convst, pins.Busy, pins.Reset!.Value, pins.Range!.Value, Hardware.Ad7606Range.PlusMinus10V, busyTimeout ?? TimeSpan.FromMilliseconds(10), Clock, shouldDispose: false);
        Options = options ?? DefaultOptions();
        Engine = new ScanEngine(Options, DacX, DacY, DacZ, Adc, LoopTiming.Stepped(Clock, Clock.AdvanceTo));
    }

    public VirtualClock Clock { get; }

    public ShiftableSurface Surface { get; }

    public VirtualAfm Afm { get; }

    public GpioController Gpio { get; }

    public Ad5791 DacX { get; }

    public Ad5791 DacY { get; }

    public Ad5791 DacZ { get; }

    public Ad7606 Adc { get; }

    public ScanEngineOptions Options { get; }

    public ScanEngine Engine { get; }

    public static ISurface DefaultSurface() => new BumpSurface([new Bump(0, 0, 300e-9, 100e-9)]);

    public static ScanEngineOptions DefaultOptions(int pixels = 16, double lineRate = 10)
    {
        var scan = new ScanSettings { SizeX = 2e-6, SizeY = 2e-6, PixelsX = pixels, PixelsY = pixels, LineRateHz = lineRate };
        var options = new ScanEngineOptions
        {
            Scan = scan,
            X = new AxisCalibration(0.5e-6, -10, 10, 200),
            Y = new AxisCalibration(0.5e-6, -10, 10, 200),
            Z = new AxisCalibration(50e-9, -10, 10, 20 * lineRate * 2),
            StuckPoints = 24,
            ZLimitPoints = 16,
            WatchdogSlack = TimeSpan.FromMilliseconds(1),
            Fields =
            [
                new AdcChannelMap("Current", PhysicalUnit.Ampere, VirtualAfm.CurrentInput, 1e-9),
                new AdcChannelMap("Potential", PhysicalUnit.Volt, VirtualAfm.PotentialInput, 1.0),
            ],
        };
        return options with { Gains = StableGains(options) };
    }

    // Plant gain dDeflection/dZ = 50 nm/V × 1e7 V/m = 0.5; an integral step of 0.4 of the error per point converges without ringing.
    public static PidGains StableGains(ScanEngineOptions options) => new(0.1, 0.4 / (0.5 * options.PointSeconds), 0);

    /// <summary>Runs <paramref name="frames"/> frames, collecting lines; <paramref name="onLine"/> sees each line index as it arrives.</summary>
    public async Task<ScanResult> ScanAsync(long frames = 1, Action<int>? onLine = null, CancellationToken cancellationToken = default)
    {
        var channel = System.Threading.Channels.Channel.CreateBounded<ScanLine>(4);
        var received = new List<int>();
        var heights = new List<float[]>();
        var retraceHeights = new List<float[]>();
        int names = Engine.Channels.Count / 2;
        var consumer = Task.Run(async () =>
        {
            await foreach (var line in channel.Reader.ReadAllAsync())
            {
                received.Add(line.LineIndex);
                heights.Add(line.Samples(0).ToArray());
                retraceHeights.Add(line.Samples(names).ToArray());
                line.Return();
                onLine?.Invoke(line.LineIndex);
            }
        }, CancellationToken.None);
        Exception? error = null;
        try
        {
            await Engine.RunAsync(channel.Writer, frames, cancellationToken);
        }
        catch (Exception e)
        {
            error = e;
        }

        channel.Writer.Complete();
        await consumer;
        return new ScanResult(received, heights, retraceHeights, error);
    }

    public void Dispose()
    {
        Engine.Dispose();
        DacX.Dispose();
        DacY.Dispose();
        DacZ.Dispose();
        Adc.Dispose();
        Gpio.Dispose();
        Afm.Dispose();
    }
}

internal sealed record ScanResult(List<int> Lines, List<float[]> Heights, List<float[]> RetraceHeights, Exception? Error);

/// <summary>A surface that a test can lower or raise mid-scan (to lose contact or crash).</summary>
internal sealed class ShiftableSurface(ISurface inner) : ISurface
{
    private double _offset;

    public double Offset
    {
        get => Volatile.Read(ref _offset);
        set => Volatile.Write(ref _offset, value);
    }

    public double HeightAt(double x, double y) => inner.HeightAt(x, y) + Offset;

    public double CurrentAt(double x, double y) => inner.CurrentAt(x, y);

    public double PotentialAt(double x, double y) => inner.PotentialAt(x, y);

    public double AdhesionAt(double x, double y) => inner.AdhesionAt(x, y);
}
