namespace AfmEdge.Simulation.Electronics;

/// <summary>AD7606 analog input range, selected by the RANGE pin.</summary>
public enum Ad7606Range
{
    /// <summary>RANGE low: ±5 V, LSB = 10 V / 65536 ≈ 152.6 µV.</summary>
    PlusMinus5V,

    /// <summary>RANGE high: ±10 V, LSB = 20 V / 65536 ≈ 305.2 µV.</summary>
    PlusMinus10V,
}

/// <summary>Injected misbehaviour of the AD7606 BUSY output.</summary>
public enum BusyFault
{
    /// <summary>BUSY behaves as specified.</summary>
    None,

    /// <summary>BUSY rises on CONVST and never falls; the conversion never completes.</summary>
    NeverFalls,

    /// <summary>BUSY never rises; conversions still run and complete on time.</summary>
    NeverRises,
}
