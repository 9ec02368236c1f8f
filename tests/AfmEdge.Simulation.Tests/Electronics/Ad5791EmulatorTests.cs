using System.Device.Spi;
using AfmEdge.Simulation.Electronics;
using Xunit;

namespace AfmEdge.Simulation.Tests.Electronics;

// Expectations below come from the AD5791 datasheet (rev. D): register map, power-on state,
// transfer function VOUT = VREFN + (VREFP − VREFN)·D / (2^20 − 1), hardware pin truth table.
public sealed class Ad5791EmulatorTests : IDisposable
{
    private const double VRefP = 10.0;
    private const double VRefN = -10.0;
    private const uint NormalMode = Ad5791Emulator.RbufBit; // OPGND = DACTRI = 0, two's complement
    private const uint NormalModeBinary = Ad5791Emulator.RbufBit | Ad5791Emulator.BinaryCodingBit;

    private readonly Ad5791Emulator _dac = new(VRefP, VRefN);
    private readonly EmulatedSpiDevice _spi;

    public Ad5791EmulatorTests()
    {
        _spi = new EmulatedSpiDevice(_dac, new SpiConnectionSettings(0, 0) { Mode = SpiMode.Mode1, ClockFrequency = 10_000_000 });
    }

    public void Dispose() => _spi.Dispose();

    [Fact]
    public void PowerOn_Readback_ControlIsRbufOpgndDactri()
    {
        Assert.Equal(0x00000Eu, ReadBack(Ad5791Register.Control));
    }

    [Fact]
    public void PowerOn_Readback_DacRegisterIsNegativeFullScaleInTwosComplement()
    {
        // DAC latch powers up at 0 (offset binary), which the default 2sC coding shows as 0x80000.
        Assert.Equal(0x80000u, ReadBack(Ad5791Register.Dac));
        Assert.Equal(0u, ReadBack(Ad5791Register.ClearCode));
    }

    [Fact]
    public void PowerOn_Output_ClampedToGround()
    {
        Assert.Equal(Ad5791OutputState.ClampedToGround, _dac.OutputState);
        Assert.Equal(0.0, _dac.OutputVoltage);
        Assert.True(_dac.IsTwosComplement);
    }

    [Fact]
    public void PowerOn_DacWriteWhileClamped_OutputStaysAtGround()
    {
        WriteRegister(Ad5791Register.Dac, 0x7FFFF);

        Assert.Equal(0.0, _dac.OutputVoltage);
        Assert.Equal(0x7FFFFu, _dac.DacRegister);
    }

    [Fact]
    public void ReleaseClamp_NoDacWrite_OutputGoesToVrefn()
    {
        WriteRegister(Ad5791Register.Control, NormalMode);

        Assert.Equal(Ad5791OutputState.Normal, _dac.OutputState);
        Assert.Equal(VRefN, _dac.OutputVoltage, 12);
    }

    [Fact]
    public void Control_OpgndClearedDactriSet_OutputTristated()
    {
        WriteRegister(Ad5791Register.Control, Ad5791Emulator.RbufBit | Ad5791Emulator.DactriBit);

        Assert.Equal(Ad5791OutputState.Tristate, _dac.OutputState);
        Assert.True(double.IsNaN(_dac.OutputVoltage));
    }

    [Fact]
    public void Control_OpgndSet_ClampOverridesDactri()
    {
        WriteRegister(Ad5791Register.Control, Ad5791Emulator.OpgndBit);

        Assert.Equal(Ad5791OutputState.ClampedToGround, _dac.OutputState);
    }

    [Fact]
    public void Readback_NextFrame_CarriesReadBitAddressAndData()
    {
        WriteRegister(Ad5791Register.ClearCode, 0x12345);

        Span<byte> miso = stackalloc byte[3];
        _spi.Write([0xB0, 0x00, 0x00]); // read clearcode (R/W = 1, address 011)
        _spi.TransferFullDuplex([0x00, 0x00, 0x00], miso);

        Assert.Equal(new byte[] { 0xB1, 0x23, 0x45 }, miso.ToArray());
    }

    [Fact]
    public void Readback_FrameAfterTheNop_CarriesNothing()
    {
        _spi.Write([0xA0, 0x00, 0x00]);
        _spi.Write([0x00, 0x00, 0x00]);

        Span<byte> miso = stackalloc byte[3];
        _spi.TransferFullDuplex([0x00, 0x00, 0x00], miso);

        Assert.Equal(new byte[] { 0, 0, 0 }, miso.ToArray());
    }

    [Fact]
    public void Readback_SdoDisabled_ReadsZero()
    {
        WriteRegister(Ad5791Register.Control, NormalMode | Ad5791Emulator.SdoDisableBit);

        Assert.Equal(0u, ReadBack(Ad5791Register.Control));
        Assert.Equal(NormalMode | Ad5791Emulator.SdoDisableBit, _dac.ControlRegister);
    }

    [Fact]
    public void Control_ReservedBitsWritten_ReadBackAsZero()
    {
        WriteRegister(Ad5791Register.Control, 0xFFC01 | NormalMode);

        Assert.Equal(NormalMode, ReadBack(Ad5791Register.Control));
    }

    [Fact]
    public void Control_LinComp_IsStoredAndReadBack()
    {
        uint value = NormalMode | (0b1100u << 6);
        WriteRegister(Ad5791Register.Control, value);

        Assert.Equal(value, ReadBack(Ad5791Register.Control));
    }

    [Theory]
    [InlineData(0x7FFFFu, 1048575u)] // +full scale → VREFP
    [InlineData(0x00000u, 524288u)]  // 0 → midscale
    [InlineData(0xFFFFFu, 524287u)]  // −1 LSB
    [InlineData(0x80000u, 0u)]       // −full scale → VREFN
    public void TwosComplement_Code_DrivesTransferFunction(uint register, uint offsetBinary)
    {
        WriteRegister(Ad5791Register.Control, NormalMode);
        WriteRegister(Ad5791Register.Dac, register);

        Assert.Equal(offsetBinary, _dac.OutputCode);
        Assert.Equal(VRefN + ((VRefP - VRefN) * offsetBinary / 1048575.0), _dac.OutputVoltage, 12);
        Assert.Equal(register, ReadBack(Ad5791Register.Dac));
    }

    [Theory]
    [InlineData(0x00000u)]
    [InlineData(0x80000u)]
    [InlineData(0xFFFFFu)]
    [InlineData(0x3A5C7u)]
    public void OffsetBinary_Code_DrivesTransferFunction(uint code)
    {
        WriteRegister(Ad5791Register.Control, NormalModeBinary);
        WriteRegister(Ad5791Register.Dac, code);

        Assert.Equal(code, _dac.OutputCode);
        Assert.Equal(VRefN + ((VRefP - VRefN) * code / 1048575.0), _dac.OutputVoltage, 12);
        Assert.Equal(code, ReadBack(Ad5791Register.Dac));
    }

    [Fact]
    public void OffsetBinary_FullScale_IsVrefp()
    {
        WriteRegister(Ad5791Register.Control, NormalModeBinary);
        WriteRegister(Ad5791Register.Dac, 0xFFFFF);

        Assert.Equal(VRefP, _dac.OutputVoltage, 12);
    }

    [Fact]
    public void CodingChange_AfterWrite_KeepsOutputAndChangesReadback()
    {
        WriteRegister(Ad5791Register.Control, NormalModeBinary);
        WriteRegister(Ad5791Register.Dac, 0xC0000);
        double before = _dac.OutputVoltage;

        WriteRegister(Ad5791Register.Control, NormalMode);

        Assert.Equal(before, _dac.OutputVoltage);
        Assert.Equal(0x40000u, ReadBack(Ad5791Register.Dac));
    }

    [Fact]
    public void UnipolarReference_Midscale_IsHalfVrefp()
    {
        var dac = new Ad5791Emulator(5.0, 0.0);
        var spi = new EmulatedSpiDevice(dac, new SpiConnectionSettings(0, 1));
        Send(spi, Ad5791Emulator.Frame(false, Ad5791Register.Control, NormalModeBinary));
        Send(spi, Ad5791Emulator.Frame(false, Ad5791Register.Dac, 0x80000));

        Assert.Equal(5.0 * 524288 / 1048575, dac.OutputVoltage, 12);
    }

    [Fact]
    public void LdacPinLow_DacWrite_UpdatesOutputAtEndOfFrame()
    {
        WriteRegister(Ad5791Register.Control, NormalModeBinary);
        WriteRegister(Ad5791Register.Dac, 0x12345);

        Assert.Equal(0x12345u, _dac.OutputCode);
    }

    [Fact]
    public void LdacPinHigh_DacWrite_HoldsOutputUntilFallingEdge()
    {
        WriteRegister(Ad5791Register.Control, NormalModeBinary);
        WriteRegister(Ad5791Register.Dac, 0x11111);
        _dac.SetLdac(true);

        WriteRegister(Ad5791Register.Dac, 0x22222);
        Assert.Equal(0x11111u, _dac.OutputCode);
        Assert.Equal(0x22222u, _dac.DacRegister);

        _dac.SetLdac(false);
        Assert.Equal(0x22222u, _dac.OutputCode);
    }

    [Fact]
    public void SoftwareLdac_LdacPinHigh_UpdatesOutput()
    {
        WriteRegister(Ad5791Register.Control, NormalModeBinary);
        _dac.SetLdac(true);
        WriteRegister(Ad5791Register.Dac, 0x33333);
        Assert.Equal(0u, _dac.OutputCode);

        WriteRegister(Ad5791Register.SoftwareControl, Ad5791Emulator.SoftLdacBit);

        Assert.Equal(0x33333u, _dac.OutputCode);
    }

    [Fact]
    public void ClrPin_FallingEdge_LoadsClearcodeInCurrentCoding()
    {
        WriteRegister(Ad5791Register.Control, NormalMode);
        WriteRegister(Ad5791Register.ClearCode, 0x00000); // 2sC zero: midscale, 0 V
        WriteRegister(Ad5791Register.Dac, 0x7FFFF);

        _dac.SetClr(false);

        Assert.Equal(0x80000u, _dac.OutputCode);
        Assert.Equal(0u, ReadBack(Ad5791Register.Dac));
        Assert.Equal(0.0, _dac.OutputVoltage, 4);
    }

    [Fact]
    public void ClrPinLow_DacWrite_OutputRemainsAtClearValueUntilRisingEdge()
    {
        WriteRegister(Ad5791Register.Control, NormalModeBinary);
        WriteRegister(Ad5791Register.ClearCode, 0x40000);
        _dac.SetClr(false);

        WriteRegister(Ad5791Register.Dac, 0x55555);
        Assert.Equal(0x40000u, _dac.OutputCode);

        _dac.SetClr(true);
        Assert.Equal(0x55555u, _dac.OutputCode);
    }

    [Fact]
    public void SoftwareClr_LoadsClearcode()
    {
        WriteRegister(Ad5791Register.Control, NormalModeBinary);
        WriteRegister(Ad5791Register.ClearCode, 0x0ABCD);
        WriteRegister(Ad5791Register.Dac, 0xFFFFF);

        WriteRegister(Ad5791Register.SoftwareControl, Ad5791Emulator.SoftClrBit);

        Assert.Equal(0x0ABCDu, _dac.OutputCode);
        Assert.Equal(0x0ABCDu, _dac.DacRegister);
    }

    [Fact]
    public void ResetPinLow_Frames_IgnoredAndCounted()
    {
        _dac.SetReset(false);

        WriteRegister(Ad5791Register.Control, NormalMode);
        WriteRegister(Ad5791Register.Dac, 0x12345);

        Assert.Equal(2, _dac.FramesDuringReset);
        Assert.Equal(2, _dac.IgnoredFrames);
        Assert.Equal(Ad5791Emulator.PowerOnControl, _dac.ControlRegister);
        Assert.Equal(Ad5791OutputState.ClampedToGround, _dac.OutputState);
    }

    [Fact]
    public void ResetPin_Pulse_ReturnsToPowerOnState()
    {
        WriteRegister(Ad5791Register.Control, NormalModeBinary);
        WriteRegister(Ad5791Register.ClearCode, 0x1);
        WriteRegister(Ad5791Register.Dac, 0xFFFFF);

        _dac.SetReset(false);
        _dac.SetReset(true);

        AssertPowerOnState();
    }

    [Fact]
    public void SoftwareReset_ReturnsToPowerOnState()
    {
        WriteRegister(Ad5791Register.Control, NormalModeBinary);
        WriteRegister(Ad5791Register.ClearCode, 0x1);
        WriteRegister(Ad5791Register.Dac, 0xFFFFF);

        WriteRegister(Ad5791Register.SoftwareControl, Ad5791Emulator.SoftResetBit);

        AssertPowerOnState();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(7)]
    public void MalformedLength_Frame_IgnoredAndCounted(int length)
    {
        WriteRegister(Ad5791Register.Control, NormalModeBinary);
        long validBefore = _dac.ValidFrames;
        byte[] frame = new byte[length];
        frame[0] = 0x1F; // would be a DAC write of 0xFxxxx if latched
        Array.Fill(frame, (byte)0xFF, 1, length - 1);

        _spi.Write(frame);

        Assert.Equal(1, _dac.MalformedFrames);
        Assert.Equal(1, _dac.IgnoredFrames);
        Assert.Equal(validBefore, _dac.ValidFrames);
        Assert.Equal(0u, _dac.OutputCode);
    }

    [Fact]
    public void MalformedLength_AfterReadCommand_ReadbackStillShiftsOut()
    {
        _spi.Write([0xA0, 0x00, 0x00]); // read control

        Span<byte> miso = stackalloc byte[2];
        _spi.TransferFullDuplex([0x00, 0x00], miso);

        Assert.Equal(new byte[] { 0xA0, 0x00 }, miso.ToArray());
        Assert.Equal(1, _dac.MalformedFrames);
    }

    [Theory]
    [InlineData(0b101)]
    [InlineData(0b110)]
    [InlineData(0b111)]
    public void ReservedAddress_Frame_IgnoredAndCounted(int address)
    {
        Send(_spi, ((uint)address << 20) | 0xFFFFF);

        Assert.Equal(1, _dac.IgnoredFrames);
        Assert.Equal(0, _dac.ValidFrames);
        Assert.Equal(Ad5791Emulator.PowerOnControl, _dac.ControlRegister);
    }

    [Fact]
    public void SoftwareControlRead_WriteOnlyRegister_IgnoredAndNoReadback()
    {
        Send(_spi, Ad5791Emulator.Frame(true, Ad5791Register.SoftwareControl, 0));

        Span<byte> miso = stackalloc byte[3];
        _spi.TransferFullDuplex([0, 0, 0], miso);

        Assert.Equal(1, _dac.IgnoredFrames);
        Assert.Equal(new byte[] { 0, 0, 0 }, miso.ToArray());
    }

    [Fact]
    public void LongFrame_MultipleOf24Bits_LatchesLastWordAndShiftsEarlierOut()
    {
        WriteRegister(Ad5791Register.Control, NormalModeBinary);
        byte[] mosi = [0x1A, 0xAA, 0xAA, 0x15, 0x55, 0x55];
        byte[] miso = new byte[6];

        _spi.TransferFullDuplex(mosi, miso);

        Assert.Equal(0x55555u, _dac.OutputCode);
        Assert.Equal(new byte[] { 0, 0, 0, 0x1A, 0xAA, 0xAA }, miso);
        Assert.Equal(1, _dac.ChainedFrames);
    }

    [Fact]
    public void Frame_DataBeyond20Bits_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Ad5791Emulator.Frame(false, Ad5791Register.Dac, 0x100000));
    }

    [Theory]
    [InlineData(4.9, -10.0)]
    [InlineData(14.1, -10.0)]
    [InlineData(10.0, 0.1)]
    [InlineData(10.0, -14.1)]
    [InlineData(double.NaN, -10.0)]
    public void Constructor_ReferenceOutsideDatasheetRange_Throws(double vrefP, double vrefN)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new Ad5791Emulator(vrefP, vrefN));
        Assert.StartsWith("reference", ex.ParamName, StringComparison.Ordinal);
    }

    private void AssertPowerOnState()
    {
        Assert.Equal(Ad5791Emulator.PowerOnControl, ReadBack(Ad5791Register.Control));
        Assert.Equal(0x80000u, ReadBack(Ad5791Register.Dac));
        Assert.Equal(0u, ReadBack(Ad5791Register.ClearCode));
        Assert.Equal(Ad5791OutputState.ClampedToGround, _dac.OutputState);
        Assert.Equal(0u, _dac.OutputCode);
    }

    private void WriteRegister(Ad5791Register register, uint data) =>
        Send(_spi, Ad5791Emulator.Frame(false, register, data));

    private uint ReadBack(Ad5791Register register)
    {
        Send(_spi, Ad5791Emulator.Frame(true, register, 0));
        Span<byte> mosi = stackalloc byte[3];
        Span<byte> miso = stackalloc byte[3];
        _spi.TransferFullDuplex(mosi, miso);
        uint word = Ad5791Emulator.ReadWord(miso);
        if (word == 0)
        {
            return 0; // SDO disabled or nothing pending
        }

        Assert.Equal(1u, word >> 23);
        Assert.Equal((uint)register, (word >> 20) & 0b111);
        return word & Ad5791Emulator.MaxCode;
    }

    private static void Send(SpiDevice spi, uint frame)
    {
        Span<byte> bytes = stackalloc byte[3];
        Ad5791Emulator.WriteWord(bytes, frame);
        spi.Write(bytes);
    }
}
