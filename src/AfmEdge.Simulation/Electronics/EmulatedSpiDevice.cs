using System.Device.Spi;

namespace AfmEdge.Simulation.Electronics;

/// <summary>
/// A <see cref="SpiDevice"/> whose far end is an emulated chip, so a driver written for a board
/// (it only ever sees <see cref="SpiDevice"/>) runs unchanged against the virtual microscope.
/// Every public transfer call is one chip-select assertion, exactly as a spidev transfer is.
/// </summary>
/// <remarks>
/// Fault injection: <see cref="FailNextTransfers"/> makes the next N calls throw
/// <see cref="IOException"/> before anything reaches the chip, as a failing spidev ioctl does.
/// </remarks>
public sealed class EmulatedSpiDevice : SpiDevice
{
    // Transfers up to this size use the stack for the unused direction; larger ones are rare
    // (configuration dumps) and may allocate.
    private const int StackLimit = 256;

    private readonly ISpiChip _chip;
    private readonly SpiConnectionSettings _settings;
    private int _failuresPending;
    private long _transfers;
    private long _failedTransfers;
    private bool _disposed;

    /// <summary>Connects <paramref name="chip"/> behind a device with the given settings.</summary>
    public EmulatedSpiDevice(ISpiChip chip, SpiConnectionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(chip);
        ArgumentNullException.ThrowIfNull(settings);
        _chip = chip;
        // A private copy: the caller's instance is mutable and a real device also snapshots it at open.
        _settings = new SpiConnectionSettings(settings.BusId, settings.ChipSelectLine)
        {
            Mode = settings.Mode,
            DataBitLength = settings.DataBitLength,
            ClockFrequency = settings.ClockFrequency,
            DataFlow = settings.DataFlow,
            ChipSelectLineActiveState = settings.ChipSelectLineActiveState,
        };
    }

    /// <inheritdoc />
    public override SpiConnectionSettings ConnectionSettings => _settings;

    /// <summary>The chip behind this device.</summary>
    public ISpiChip Chip => _chip;

    /// <summary>Transfers that reached the chip.</summary>
    public long TransferCount => Interlocked.Read(ref _transfers);

    /// <summary>Transfers that failed with an injected <see cref="IOException"/>.</summary>
    public long FailedTransferCount => Interlocked.Read(ref _failedTransfers);

    /// <summary>Transfers still to fail with an injected <see cref="IOException"/>.</summary>
    public int PendingFailures => Volatile.Read(ref _failuresPending);

    /// <summary>Makes the next <paramref name="count"/> transfers throw <see cref="IOException"/> (0 clears).</summary>
    public void FailNextTransfers(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Volatile.Write(ref _failuresPending, count);
    }

    /// <inheritdoc />
    public override byte ReadByte()
    {
        Span<byte> miso = stackalloc byte[1];
        Read(miso);
        return miso[0];
    }

    /// <inheritdoc />
    public override void WriteByte(byte value)
    {
        ReadOnlySpan<byte> mosi = [value];
        Write(mosi);
    }

    /// <summary>Clocks <paramref name="buffer"/>.Length bytes in from the chip while sending zeros (spidev's idle MOSI).</summary>
    public override void Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return;
        }

        Span<byte> zeros = buffer.Length <= StackLimit ? stackalloc byte[buffer.Length] : new byte[buffer.Length];
        zeros.Clear();
        Exchange(zeros, buffer);
    }

    /// <summary>Clocks <paramref name="buffer"/> out to the chip and discards what the chip drives.</summary>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return;
        }

        Span<byte> sink = buffer.Length <= StackLimit ? stackalloc byte[buffer.Length] : new byte[buffer.Length];
        Exchange(buffer, sink);
    }

    /// <inheritdoc />
    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        if (writeBuffer.Length != readBuffer.Length)
        {
            throw new ArgumentException(
                $"Parameters '{nameof(writeBuffer)}' ({writeBuffer.Length} bytes) and '{nameof(readBuffer)}' ({readBuffer.Length} bytes) must have the same length.");
        }

        if (writeBuffer.IsEmpty)
        {
            return;
        }

        Exchange(writeBuffer, readBuffer);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        base.Dispose(disposing);
    }

    private void Exchange(ReadOnlySpan<byte> mosi, Span<byte> miso)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);

        // Decrement only while positive so concurrent callers cannot drive the counter negative.
        int pending = Volatile.Read(ref _failuresPending);
        while (pending > 0)
        {
            int seen = Interlocked.CompareExchange(ref _failuresPending, pending - 1, pending);
            if (seen == pending)
            {
                Interlocked.Increment(ref _failedTransfers);
                throw new IOException(
                    $"Injected SPI fault: transfer of {mosi.Length} bytes on bus {_settings.BusId}, chip select {_settings.ChipSelectLine} failed.");
            }

            pending = seen;
        }

        miso.Clear();
        _chip.Transfer(mosi, miso);
        Interlocked.Increment(ref _transfers);
    }
}
