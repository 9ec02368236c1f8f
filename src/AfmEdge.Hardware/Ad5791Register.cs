namespace AfmEdge.Hardware;

/// <summary>AD5791 register addresses: bits DB22..DB20 of the 24-bit input shift register.</summary>
public enum Ad5791Register : byte
{
    /// <summary>No operation; clocks out a pending readback on SDO.</summary>
    Nop = 0b000,

    /// <summary>DAC register: the 20-bit code in the coding selected by BIN/2sC.</summary>
    Dac = 0b001,

    /// <summary>Control register: RBUF, OPGND, DACTRI, BIN/2sC, SDODIS, LIN COMP.</summary>
    Control = 0b010,

    /// <summary>Clearcode register: the code the DAC takes on CLR.</summary>
    ClearCode = 0b011,

    /// <summary>Software control register (write only): LDAC, CLR, RESET.</summary>
    SoftwareControl = 0b100,
}

/// <summary>Bits of the AD5791 control register (address 010).</summary>
[Flags]
public enum Ad5791Control : uint
{
    /// <summary>No bit set: output amplifier on, output connected, two's complement.</summary>
    None = 0,

    /// <summary>RBUF (DB1): internal amplifier A1 powered down; set for the unity-gain (buffered reference) configuration.</summary>
    Rbuf = 1u << 1,

    /// <summary>OPGND (DB2): output clamped to ground through ~6 kΩ. Set at power-on.</summary>
    OutputGround = 1u << 2,

    /// <summary>DACTRI (DB3): DAC tristated. Set at power-on.</summary>
    DacTristate = 1u << 3,

    /// <summary>BIN/2sC (DB4): 1 selects offset binary coding, 0 two's complement.</summary>
    OffsetBinary = 1u << 4,

    /// <summary>SDODIS (DB5): SDO disabled; readback then returns nothing.</summary>
    SdoDisable = 1u << 5,
}
