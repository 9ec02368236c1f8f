using System.Device.Spi;

namespace AfmEdge.Control.Tests;

/// <summary>Passes transfers through to a device and records every AD5791 DAC-register code written.</summary>
internal sealed class RecordingSpiDevice(SpiDevice inner) : SpiDevice
{
    public List<uint> DacCodes { get; } = [];

    public override SpiConnectionSettings ConnectionSettings => inner.ConnectionSettings;

    public override byte ReadByte() => inner.ReadByte();

    public override void Read(Span<byte> buffer) => inner.Read(buffer);

    public override void WriteByte(byte value) => inner.WriteByte(value);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        inner.Write(buffer); // throws first when a fault is injected: only frames that reached the chip count
        Record(buffer);
    }

    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        inner.TransferFullDuplex(writeBuffer, readBuffer);
        Record(writeBuffer);
    }

    private void Record(ReadOnlySpan<byte> frame)
    {
        // R/W = 0, address 001: a write of the DAC register.
        if (frame.Length == 3 && (frame[0] & 0xF0) == 0x10)
        {
            DacCodes.Add(((uint)(frame[0] & 0x0F) << 16) | ((uint)frame[1] << 8) | frame[2]);
        }
    }
}
