using System.Device.Gpio;
using System.Device.Spi;
using AfmEdge.Control;

namespace AfmEdge.Host.Sources;

/// <summary>
/// How the host reaches a real board's devices for <c>Source:Kind = Board</c>. The default is the platform's
/// (spidev, the GPIO chip, real time); tests register their own to hand the board emulated chips.
/// </summary>
public sealed class BoardHardware
{
    /// <summary>spidev, the platform GPIO driver, the system clock in real time, device nodes from the file system.</summary>
    public static BoardHardware Platform { get; } = new();

    /// <summary>Opens one chip's SPI device (null: <see cref="SpiDevice.Create"/>).</summary>
    public Func<SpiConnectionSettings, SpiDevice>? OpenSpi { get; init; }

    /// <summary>Creates the GPIO driver, owned by the board once opened (null: the platform's).</summary>
    public Func<GpioDriver>? CreateGpioDriver { get; init; }

    /// <summary>Loop timing (null: real time on the system clock).</summary>
    public LoopTiming? Timing { get; init; }

    /// <summary>Whether a device node exists (null: the file system).</summary>
    public Func<string, bool>? DeviceExists { get; init; }
}
