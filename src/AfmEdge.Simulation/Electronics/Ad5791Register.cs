namespace AfmEdge.Simulation.Electronics;

/// <summary>AD5791 register addresses, bits DB22..DB20 of the 24-bit input shift register.</summary>
public enum Ad5791Register : byte
{
    /// <summary>No operation; a NOP frame clocks out a pending readback.</summary>
    Nop = 0b000,

    /// <summary>DAC register: the 20-bit code, in the coding selected by BIN/2sC.</summary>
    Dac = 0b001,

    /// <summary>Control register: RBUF, OPGND, DACTRI, BIN/2sC, SDODIS, LIN COMP.</summary>
    Control = 0b010,

    /// <summary>Clearcode register: the code the DAC register takes on CLR.</summary>
    ClearCode = 0b011,

    /// <summary>Software control register (write only): LDAC, CLR, RESET bits.</summary>
    SoftwareControl = 0b100,
}

/// <summary>What drives the AD5791's VOUT pin (DACTRI/OPGND table of the datasheet).</summary>
public enum Ad5791OutputState
{
    /// <summary>OPGND = 0, DACTRI = 0: VOUT follows the DAC code.</summary>
    Normal,

    /// <summary>OPGND = 1 (power-on): VOUT is clamped to AGND through ~6 kΩ and the DAC is tristated.</summary>
    ClampedToGround,

    /// <summary>OPGND = 0, DACTRI = 1: the DAC is disconnected from its references; VOUT floats.</summary>
    Tristate,
}
