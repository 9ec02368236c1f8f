using System.Device.Gpio;
using System.Device.Spi;
using System.Threading.Channels;
using AfmEdge.Core;
using AfmEdge.Hardware;
using Microsoft.Extensions.Logging;

namespace AfmEdge.Control.Board;

/// <summary>
/// A real microscope board opened from its <see cref="BoardOptions"/>: the four spidev devices, the GPIO
/// controller, the AD5791 and AD7606 drivers and a <see cref="ScanEngine"/> on the board's calibration
/// and feedback. Opening is all or nothing: the board and the scan are validated before any device is
/// touched, and when a device or pin fails to open, everything opened so far is disposed. Nothing moves
/// until the engine runs (the DACs stay clamped at their power-on state until then). As an
/// <see cref="IScanSource"/> it is the engine's scan, so the host acquires from the board directly.
/// </summary>
public sealed class BoardScanner : IScanSource, IDisposable
{
    private readonly List<IDisposable> _owned;
    private bool _disposed;

    private BoardScanner(BoardOptions board, ScanEngine engine, LoopTiming timing, List<IDisposable> owned)
    {
        Board = board;
        Engine = engine;
        Timing = timing;
        _owned = owned;
    }

    /// <summary>The board as configured.</summary>
    public BoardOptions Board { get; }

    /// <summary>The scan engine on the board's chips (an <see cref="IScanSource"/>).</summary>
    public ScanEngine Engine { get; }

    /// <summary>The loop's timing and clock.</summary>
    public LoopTiming Timing { get; }

    /// <inheritdoc />
    public IReadOnlyList<ChannelDescriptor> Channels => Engine.Channels;

    /// <inheritdoc />
    public ScanSettings Scan => Engine.Scan;

    /// <inheritdoc />
    /// <remarks>Approaches first; a fault retracts Z and ends the task with <see cref="ScanFaultException"/>.</remarks>
    public Task RunAsync(ChannelWriter<ScanLine> lines, long frameCount, CancellationToken cancellationToken) => Engine.RunAsync(lines, frameCount, cancellationToken);

    /// <summary>Opens the board for <paramref name="scan"/>.</summary>
    /// <param name="board">The board section (validated again here).</param>
    /// <param name="scan">The raster; with the board's calibration it must pass the engine's validation.</param>
    /// <param name="openSpi">Opens one chip's SPI device from the settings its driver asks for (default <see cref="SpiDevice.Create"/>); tests hand out emulated chips.</param>
    /// <param name="gpioDriver">GPIO driver (default: the platform's, as <c>new GpioController()</c> picks it). Owned: disposed with the scanner.</param>
    /// <param name="timing">Loop timing (default real time on the system clock); its clock also times the ADC's BUSY.</param>
    /// <param name="deviceExists">Whether a device node exists (default: the file system).</param>
    /// <param name="loggerFactory">Logs of the engine.</param>
    /// <exception cref="BoardConfigurationException">The board or the scan is invalid; nothing was opened.</exception>
    /// <exception cref="BoardOpenException">A device or pin could not be opened; everything opened before it was closed again.</exception>
    public static BoardScanner Open(
        BoardOptions board,
        ScanSettings scan,
        Func<SpiConnectionSettings, SpiDevice>? openSpi = null,
        GpioDriver? gpioDriver = null,
        LoopTiming? timing = null,
        Func<string, bool>? deviceExists = null,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(scan);
        var errors = board.Validate(deviceExists);
        if (errors.Count > 0)
        {
            throw new BoardConfigurationException(BoardOptions.SectionName, errors);
        }

        var options = board.ToScanEngineOptions(scan);
        var scanErrors = options.Validate();
        if (scanErrors.Count > 0)
        {
            throw new BoardConfigurationException("scan on this board", scanErrors);
        }

        openSpi ??= SpiDevice.Create;
        timing ??= LoopTiming.RealTime();
        var owned = new List<IDisposable>();
        try
        {
            var dacXSpi = OpenSpi(openSpi, "DacX", board.DacX!, Ad5791.CreateSettings, owned);
            var dacYSpi = OpenSpi(openSpi, "DacY", board.DacY!, Ad5791.CreateSettings, owned);
            var dacZSpi = OpenSpi(openSpi, "DacZ", board.DacZ!, Ad5791.CreateSettings, owned);
            var adcSpi = OpenSpi(openSpi, "Adc", board.Adc!, Ad7606.CreateSettings, owned);
            var gpio = Opening("GPIO controller", () => gpioDriver is null ? new GpioController() : new GpioController(gpioDriver), owned);
            var pins = board.Pins;

            // The drivers are disposed before the controller and the buses (reverse order), so each leaves its chip safe first.
            var adc = Opening($"{BoardOptions.SectionName}:Adc (AD7606 pins)", () => new Ad7606(adcSpi, gpio, pins.Convst, pins.Busy, pins.AdcReset, pins.Range, board.AdcRange, timeProvider: timing.Time, shouldDispose: false), owned);
            var dacX = Opening($"{BoardOptions.SectionName}:DacX (AD5791 pins)", () => NewDac(dacXSpi, board, gpio, resetPin: -1), owned);
            var dacY = Opening($"{BoardOptions.SectionName}:DacY (AD5791 pins)", () => NewDac(dacYSpi, board, gpio, resetPin: -1), owned);
            var dacZ = Opening($"{BoardOptions.SectionName}:DacZ (AD5791 pins)", () => NewDac(dacZSpi, board, gpio, pins.DacZReset), owned);
            var engine = new ScanEngine(options, dacX, dacY, dacZ, adc, timing, loggerFactory?.CreateLogger<ScanEngine>());
            owned.Add(engine);
            return new BoardScanner(board, engine, timing, owned);
        }
        catch
        {
            DisposeAll(owned);
            throw;
        }
    }

    /// <summary>Stops the engine (retracting Z), leaves every DAC at its safe code, closes pins and buses.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        DisposeAll(_owned);
    }

    private static Ad5791 NewDac(SpiDevice spi, BoardOptions board, GpioController gpio, int resetPin) =>
        new(spi, board.DacReferencePositive, board.DacReferenceNegative, gpio, board.Pins.Ldac, board.Pins.Clr, resetPin, shouldDispose: false);

    private static SpiDevice OpenSpi(Func<SpiConnectionSettings, SpiDevice> openSpi, string key, BoardSpiDevice device, Func<int, int, int, SpiConnectionSettings> settings, List<IDisposable> owned) =>
        Opening($"{BoardOptions.SectionName}:{key} ({device.DevicePath})", () => openSpi(settings(device.Bus, device.ChipSelect, device.ClockHz)), owned);

    private static T Opening<T>(string what, Func<T> open, List<IDisposable> owned)
        where T : IDisposable
    {
        T opened;
        try
        {
            opened = open();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or NotSupportedException or PlatformNotSupportedException or System.ComponentModel.Win32Exception)
        {
            throw new BoardOpenException($"{what}: cannot be opened: {e.Message}", e);
        }

        owned.Add(opened);
        return opened;
    }

    private static void DisposeAll(List<IDisposable> owned)
    {
        List<Exception>? failures = null;
        for (int i = owned.Count - 1; i >= 0; i--)
        {
            try
            {
                owned[i].Dispose();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
            {
                // Keep closing the rest: one failing device must not leave the others open.
                (failures ??= []).Add(e);
            }
        }

        owned.Clear();
        if (failures is not null)
        {
            throw new AggregateException("Closing the board failed for some devices.", failures);
        }
    }
}

/// <summary>A device or pin of a board could not be opened (missing permission, driver, busy pin); nothing was left open.</summary>
public sealed class BoardOpenException : IOException
{
    /// <summary>Creates the exception with a message naming the device or pin.</summary>
    public BoardOpenException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with no message.</summary>
    public BoardOpenException()
    {
    }

    /// <summary>Creates the exception wrapping <paramref name="innerException"/>.</summary>
    public BoardOpenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
