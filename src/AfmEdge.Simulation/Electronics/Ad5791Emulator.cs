using System.Buffers.Binary;

namespace AfmEdge.Simulation.Electronics;

/// <summary>
/// Byte-level emulation of the Analog Devices AD5791, a 20-bit unbuffered voltage-output DAC with a
/// 3-wire SPI interface (SYNC, SCLK, SDIN) and readback on SDO.
/// </summary>
/// <remarks>
/// <para>Input shift register, 24 bits, MSB first, latched on the rising edge of SYNC:</para>
/// <code>
///  DB23  DB22 DB21 DB20  DB19 ............................ DB0
/// +-----+---------------+------------------------------------+
/// | R/W |  A2   A1   A0 |  D19 ........ register data ... D0 |
/// +-----+---------------+------------------------------------+
///   1 = read   000 NOP  001 DAC  010 control  011 clearcode  100 software control
/// </code>
/// <para>Control register (address 010):</para>
/// <code>
///  DB19..DB10   DB9..DB6   DB5     DB4      DB3     DB2    DB1   DB0
/// +----------+----------+-------+--------+--------+-------+------+-----+
/// | reserved | LIN COMP | SDODIS| BIN/2sC| DACTRI | OPGND | RBUF | res |
/// +----------+----------+-------+--------+--------+-------+------+-----+
///  power-on:    0000        0       0        1        1       1     0   = 0x0000E
/// </code>
/// <para>Software control register (address 100, write only): DB2 RESET, DB1 CLR, DB0 LDAC.</para>
/// <para>Readback: a frame with R/W = 1 selects a register; during the next frame (normally a NOP,
/// 0x000000) SDO shifts out <c>1 A2 A1 A0 D19..D0</c>, the register as it was at the end of the read
/// frame. The DAC register is read back in the current coding.</para>
/// <para>Modelling choices where the datasheet is silent: the DAC latch is held in offset binary, so
/// the power-on value 0 drives VOUT to VREFN once the clamp is released (as the datasheet states) and
/// reads back as 0x80000 in the default two's complement coding. A frame whose length is not a multiple
/// of 24 bits is a SYNC interrupt and is ignored. A longer multiple of 24 bits is treated as a plain
/// shift register: the last 24 bits are latched, earlier words pass through to SDO.</para>
/// <para>Hardware pins: LDAC (active low; tied low = synchronous update on SYNC rising, held high =
/// update on its falling edge), CLR (active low; falling edge loads the clearcode, the output stays at
/// the clear value while low), RESET (active low; the part cannot be programmed while low and returns
/// to its power-on state). Board defaults: LDAC low, CLR high, RESET high.</para>
/// </remarks>
public sealed class Ad5791Emulator : ISpiChip
{
    /// <summary>Bits per frame.</summary>
    public const int FrameBits = 24;

    /// <summary>Bytes per frame.</summary>
    public const int FrameBytes = 3;

    /// <summary>DAC resolution in bits.</summary>
    public const int Resolution = 20;

    /// <summary>Largest 20-bit code.</summary>
    public const uint MaxCode = (1u << Resolution) - 1;

    /// <summary>Control register at power-on: RBUF, OPGND and DACTRI set, two's complement coding.</summary>
    public const uint PowerOnControl = RbufBit | OpgndBit | DactriBit;

    /// <summary>RBUF: internal amplifier A1 powered down, unity-gain configuration.</summary>
    public const uint RbufBit = 1u << 1;

    /// <summary>OPGND: output clamped to ground through ~6 kΩ, DAC tristated.</summary>
    public const uint OpgndBit = 1u << 2;

    /// <summary>DACTRI: DAC tristated.</summary>
    public const uint DactriBit = 1u << 3;

    /// <summary>BIN/2sC: 1 = offset binary, 0 = two's complement.</summary>
    public const uint BinaryCodingBit = 1u << 4;

    /// <summary>SDODIS: SDO pin disabled (tristate).</summary>
    public const uint SdoDisableBit = 1u << 5;

    /// <summary>LIN COMP field, bits DB9..DB6.</summary>
    public const uint LinCompMask = 0xFu << 6;

    /// <summary>Software control LDAC bit.</summary>
    public const uint SoftLdacBit = 1u << 0;

    /// <summary>Software control CLR bit.</summary>
    public const uint SoftClrBit = 1u << 1;

    /// <summary>Software control RESET bit.</summary>
    public const uint SoftResetBit = 1u << 2;

    private const uint ControlDefinedBits = RbufBit | OpgndBit | DactriBit | BinaryCodingBit | SdoDisableBit | LinCompMask;
    private const uint TwosComplementFlip = 1u << (Resolution - 1);
    private const uint ReadBit = 1u << 23;

    private readonly Lock _gate = new();

    private uint _control;
    private uint _clearCode;
    private uint _dacLatch;   // DAC register contents, offset binary
    private uint _outputCode; // code on the ladder, offset binary
    private bool _readbackPending;
    private uint _readbackWord;

    private bool _ldacLevel;
    private bool _clrLevel = true;
    private bool _resetLevel = true;

    private long _validFrames;
    private long _ignoredFrames;
    private long _malformedFrames;
    private long _chainedFrames;
    private long _framesDuringReset;

    /// <summary>Creates the DAC in its power-on state with the given reference voltages.</summary>
    /// <param name="referencePositive">VREFP in volts; the datasheet allows 5 V to VDD − 2.5 V (≤ 14 V).</param>
    /// <param name="referenceNegative">VREFN in volts; the datasheet allows VSS + 2.5 V (≥ −14 V) to 0 V.</param>
    public Ad5791Emulator(double referencePositive = 10.0, double referenceNegative = -10.0)
    {
        if (!(referencePositive >= 5.0 && referencePositive <= 14.0))
        {
            throw new ArgumentOutOfRangeException(nameof(referencePositive), referencePositive, "VREFP must lie in [5 V, 14 V] (AD5791: 5 V to VDD − 2.5 V, VDD ≤ 16.5 V).");
        }

        if (!(referenceNegative >= -14.0 && referenceNegative <= 0.0))
        {
            throw new ArgumentOutOfRangeException(nameof(referenceNegative), referenceNegative, "VREFN must lie in [−14 V, 0 V] (AD5791: VSS + 2.5 V to 0 V, VSS ≥ −16.5 V).");
        }

        ReferencePositive = referencePositive;
        ReferenceNegative = referenceNegative;
        PowerOn();
    }

    /// <summary>VREFP in volts.</summary>
    public double ReferencePositive { get; }

    /// <summary>VREFN in volts.</summary>
    public double ReferenceNegative { get; }

    /// <summary>Volts per LSB: (VREFP − VREFN) / (2^20 − 1).</summary>
    public double LsbVolts => (ReferencePositive - ReferenceNegative) / MaxCode;

    /// <summary>Control register contents.</summary>
    public uint ControlRegister
    {
        get { lock (_gate) { return _control; } }
    }

    /// <summary>Clearcode register contents (interpreted in the coding in force when CLR acts).</summary>
    public uint ClearCodeRegister
    {
        get { lock (_gate) { return _clearCode; } }
    }

    /// <summary>DAC register as it reads back, in the current coding.</summary>
    public uint DacRegister
    {
        get { lock (_gate) { return FromOffsetBinary(_dacLatch); } }
    }

    /// <summary>Offset-binary code driving the resistor ladder (differs from the DAC register while LDAC or CLR hold the output).</summary>
    public uint OutputCode
    {
        get { lock (_gate) { return _outputCode; } }
    }

    /// <summary>True when BIN/2sC selects two's complement (the power-on default).</summary>
    public bool IsTwosComplement
    {
        get { lock (_gate) { return (_control & BinaryCodingBit) == 0; } }
    }

    /// <summary>State of the output stage.</summary>
    public Ad5791OutputState OutputState
    {
        get { lock (_gate) { return OutputStateCore(); } }
    }

    /// <summary>
    /// Voltage at VOUT: VREFN + (VREFP − VREFN)·D/(2^20 − 1) in normal mode, 0 V while clamped to
    /// ground, <see cref="double.NaN"/> while tristated (the pin floats).
    /// </summary>
    public double OutputVoltage
    {
        get
        {
            lock (_gate)
            {
                return OutputStateCore() switch
                {
                    Ad5791OutputState.Normal => ReferenceNegative + ((ReferencePositive - ReferenceNegative) * _outputCode / MaxCode),
                    Ad5791OutputState.ClampedToGround => 0.0,
                    _ => double.NaN,
                };
            }
        }
    }

    /// <summary>Level of the LDAC pin.</summary>
    public bool LdacLevel
    {
        get { lock (_gate) { return _ldacLevel; } }
    }

    /// <summary>Level of the CLR pin (active low).</summary>
    public bool ClrLevel
    {
        get { lock (_gate) { return _clrLevel; } }
    }

    /// <summary>Level of the RESET pin (active low).</summary>
    public bool ResetLevel
    {
        get { lock (_gate) { return _resetLevel; } }
    }

    /// <summary>Frames that were latched and acted on (NOPs included).</summary>
    public long ValidFrames
    {
        get { lock (_gate) { return _validFrames; } }
    }

    /// <summary>Frames the chip ignored: malformed length, RESET low, reserved address, read of a write-only register.</summary>
    public long IgnoredFrames
    {
        get { lock (_gate) { return _ignoredFrames; } }
    }

    /// <summary>Frames whose length was not a multiple of 24 bits (also counted in <see cref="IgnoredFrames"/>).</summary>
    public long MalformedFrames
    {
        get { lock (_gate) { return _malformedFrames; } }
    }

    /// <summary>Frames sent while RESET was held low (also counted in <see cref="IgnoredFrames"/>).</summary>
    public long FramesDuringReset
    {
        get { lock (_gate) { return _framesDuringReset; } }
    }

    /// <summary>Frames longer than 24 bits, of which only the last word was latched.</summary>
    public long ChainedFrames
    {
        get { lock (_gate) { return _chainedFrames; } }
    }

    /// <summary>Drives the LDAC pin. A falling edge copies the DAC register to the output.</summary>
    public void SetLdac(bool level)
    {
        lock (_gate)
        {
            bool falling = _ldacLevel && !level;
            _ldacLevel = level;
            if (falling && _resetLevel && _clrLevel)
            {
                _outputCode = _dacLatch;
            }
        }
    }

    /// <summary>
    /// Drives the CLR pin (active low). The falling edge loads the clearcode into the DAC register and
    /// the output; while low the output stays at the clear value; the rising edge sets the output from
    /// the DAC register again.
    /// </summary>
    public void SetClr(bool level)
    {
        lock (_gate)
        {
            bool falling = _clrLevel && !level;
            bool rising = !_clrLevel && level;
            _clrLevel = level;
            if (!_resetLevel)
            {
                return;
            }

            if (falling)
            {
                LoadClearCode();
            }
            else if (rising)
            {
                _outputCode = _dacLatch;
            }
        }
    }

    /// <summary>
    /// Drives the RESET pin (active low). While low the part is in reset mode and ignores frames;
    /// on either edge all registers take their power-on values.
    /// </summary>
    public void SetReset(bool level)
    {
        lock (_gate)
        {
            bool edge = _resetLevel != level;
            _resetLevel = level;
            if (edge)
            {
                PowerOn();
            }
        }
    }

    /// <summary>One SYNC-low period: clocks <paramref name="mosi"/> in and SDO out into <paramref name="miso"/>.</summary>
    public void Transfer(ReadOnlySpan<byte> mosi, Span<byte> miso)
    {
        if (miso.Length != mosi.Length)
        {
            throw new ArgumentException($"MISO length {miso.Length} differs from MOSI length {mosi.Length}.", nameof(miso));
        }

        lock (_gate)
        {
            miso.Clear();
            if (mosi.IsEmpty)
            {
                return;
            }

            if (!_resetLevel)
            {
                // Reset mode: "the device cannot be programmed"; SDO carries nothing.
                _framesDuringReset++;
                _ignoredFrames++;
                return;
            }

            bool sdoEnabled = (_control & SdoDisableBit) == 0;
            uint firstOut = _readbackPending ? _readbackWord : 0;
            _readbackPending = false;

            if (mosi.Length % FrameBytes != 0)
            {
                // SYNC rose before a 24-bit boundary: the shift register is discarded. What had been
                // loaded for readback still shifted out while the clocks ran.
                if (sdoEnabled)
                {
                    Span<byte> word = stackalloc byte[FrameBytes];
                    WriteWord(word, firstOut);
                    word[..Math.Min(FrameBytes, miso.Length)].CopyTo(miso);
                }

                _malformedFrames++;
                _ignoredFrames++;
                return;
            }

            int words = mosi.Length / FrameBytes;
            if (sdoEnabled)
            {
                WriteWord(miso, firstOut);

                // Bits clocked past 24 push the earlier words out of the register onto SDO.
                mosi[..((words - 1) * FrameBytes)].CopyTo(miso[FrameBytes..]);
            }

            if (words > 1)
            {
                _chainedFrames++;
            }

            uint frame = ReadWord(mosi[^FrameBytes..]);
            Execute(frame);
        }
    }

    /// <summary>Builds a 24-bit frame: <c>R/W | address | data</c>.</summary>
    public static uint Frame(bool read, Ad5791Register register, uint data)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(data, MaxCode);
        return (read ? ReadBit : 0) | ((uint)register << Resolution) | data;
    }

    /// <summary>Writes a 24-bit frame MSB first into three bytes.</summary>
    public static void WriteWord(Span<byte> destination, uint frame)
    {
        destination[0] = (byte)(frame >> 16);
        destination[1] = (byte)(frame >> 8);
        destination[2] = (byte)frame;
    }

    /// <summary>Reads a 24-bit frame MSB first from three bytes.</summary>
    public static uint ReadWord(ReadOnlySpan<byte> source) =>
        ((uint)source[0] << 16) | BinaryPrimitives.ReadUInt16BigEndian(source[1..]);

    private void Execute(uint frame)
    {
        bool read = (frame & ReadBit) != 0;
        var register = (Ad5791Register)((frame >> Resolution) & 0b111);
        uint data = frame & MaxCode;

        switch (register)
        {
            case Ad5791Register.Nop:
                break;
            case Ad5791Register.Dac or Ad5791Register.Control or Ad5791Register.ClearCode when read:
                _readbackWord = ReadBit | ((uint)register << Resolution) | ReadRegister(register);
                _readbackPending = true;
                break;
            case Ad5791Register.Dac:
                _dacLatch = ToOffsetBinary(data);

                // LDAC low: the output follows on SYNC's rising edge. LDAC high or CLR low hold it.
                if (!_ldacLevel && _clrLevel)
                {
                    _outputCode = _dacLatch;
                }

                break;
            case Ad5791Register.Control:
                _control = data & ControlDefinedBits;
                break;
            case Ad5791Register.ClearCode:
                _clearCode = data;
                break;
            case Ad5791Register.SoftwareControl when !read:
                ExecuteSoftwareControl(data);
                break;
            default:
                // Reserved addresses 101..111 and reads of the write-only software control register.
                _ignoredFrames++;
                return;
        }

        _validFrames++;
    }

    private void ExecuteSoftwareControl(uint data)
    {
        if ((data & SoftResetBit) != 0)
        {
            PowerOn();
            return;
        }

        if ((data & SoftClrBit) != 0)
        {
            LoadClearCode();
        }

        if ((data & SoftLdacBit) != 0 && _clrLevel)
        {
            _outputCode = _dacLatch;
        }
    }

    private uint ReadRegister(Ad5791Register register) => register switch
    {
        Ad5791Register.Dac => FromOffsetBinary(_dacLatch),
        Ad5791Register.Control => _control,
        _ => _clearCode,
    };

    private void LoadClearCode()
    {
        _dacLatch = ToOffsetBinary(_clearCode);
        _outputCode = _dacLatch;
    }

    private void PowerOn()
    {
        _control = PowerOnControl;
        _clearCode = 0;
        _dacLatch = 0;
        _outputCode = 0;
        _readbackPending = false;
        _readbackWord = 0;
    }

    private Ad5791OutputState OutputStateCore()
    {
        if (!_resetLevel || (_control & OpgndBit) != 0)
        {
            return Ad5791OutputState.ClampedToGround;
        }

        return (_control & DactriBit) != 0 ? Ad5791OutputState.Tristate : Ad5791OutputState.Normal;
    }

    // Two's complement and offset binary differ only in the MSB.
    private uint ToOffsetBinary(uint registerCode) =>
        (_control & BinaryCodingBit) != 0 ? registerCode : registerCode ^ TwosComplementFlip;

    private uint FromOffsetBinary(uint offsetBinary) =>
        (_control & BinaryCodingBit) != 0 ? offsetBinary : offsetBinary ^ TwosComplementFlip;
}
