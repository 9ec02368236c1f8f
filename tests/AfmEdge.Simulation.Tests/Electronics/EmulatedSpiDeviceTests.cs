using System.Device.Spi;
using AfmEdge.Simulation.Electronics;
using Xunit;

namespace AfmEdge.Simulation.Tests.Electronics;

public sealed class EmulatedSpiDeviceTests : IDisposable
{
    private readonly Ad5791Emulator _dac = new();
    private readonly EmulatedSpiDevice _spi;

    public EmulatedSpiDeviceTests()
    {
        _spi = new EmulatedSpiDevice(_dac, new SpiConnectionSettings(1, 2) { Mode = SpiMode.Mode1, ClockFrequency = 1_000_000 });
    }

    public void Dispose() => _spi.Dispose();

    [Fact]
    public void ConnectionSettings_AreASnapshotOfTheCallersSettings()
    {
        var settings = new SpiConnectionSettings(3, 4) { Mode = SpiMode.Mode2, ClockFrequency = 5_000_000 };
        var spi = new EmulatedSpiDevice(_dac, settings);
        settings.ClockFrequency = 1;

        Assert.Equal(3, spi.ConnectionSettings.BusId);
        Assert.Equal(4, spi.ConnectionSettings.ChipSelectLine);
        Assert.Equal(SpiMode.Mode2, spi.ConnectionSettings.Mode);
        Assert.Equal(5_000_000, spi.ConnectionSettings.ClockFrequency);
    }

    [Fact]
    public void FailNextTransfers_Two_ThrowsTwiceWithoutReachingTheChip()
    {
        _spi.FailNextTransfers(2);

        Assert.Throws<IOException>(() => _spi.Write([0x20, 0x00, 0x02]));
        var ex = Assert.Throws<IOException>(() => _spi.Write([0x20, 0x00, 0x02]));
        _spi.Write([0x20, 0x00, 0x02]);

        Assert.Contains("bus 1, chip select 2", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, _spi.FailedTransferCount);
        Assert.Equal(1, _spi.TransferCount);
        Assert.Equal(1, _dac.ValidFrames);
        Assert.Equal(0, _spi.PendingFailures);
    }

    [Fact]
    public void FailNextTransfers_Zero_ClearsPendingFailures()
    {
        _spi.FailNextTransfers(5);
        _spi.FailNextTransfers(0);

        _spi.Write([0x00, 0x00, 0x00]);

        Assert.Equal(0, _spi.FailedTransferCount);
    }

    [Fact]
    public void FailNextTransfers_Negative_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _spi.FailNextTransfers(-1));
    }

    [Fact]
    public void TransferFullDuplex_LengthMismatch_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => _spi.TransferFullDuplex(new byte[3], new byte[2]));
        Assert.Contains("writeBuffer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteByte_IsOneChipSelectAssertion()
    {
        _spi.WriteByte(0x20);
        _spi.WriteByte(0x00);
        _spi.WriteByte(0x02);

        Assert.Equal(3, _dac.MalformedFrames);
        Assert.Equal(Ad5791Emulator.PowerOnControl, _dac.ControlRegister);
    }

    [Fact]
    public void ReadByte_ClocksOutPendingReadback()
    {
        _spi.Write([0xA0, 0x00, 0x00]);

        Assert.Equal(0xA0, _spi.ReadByte());
    }

    [Fact]
    public void Dispose_ThenTransfer_Throws()
    {
        _spi.Dispose();

        Assert.Throws<ObjectDisposedException>(() => _spi.Write([0, 0, 0]));
    }

    [Fact]
    public void Read_LargerThanStackLimit_Works()
    {
        _spi.Read(new byte[3 * 200]);

        Assert.Equal(1, _dac.ChainedFrames);
    }
}
