namespace AfmEdge.Control;

/// <summary>Why the scan stopped and the tip was retracted.</summary>
public enum ScanFaultKind
{
    /// <summary>The loop missed its point deadline by more than the watchdog slack.</summary>
    DeadlineMissed,

    /// <summary>The deflection channel returned the same code for too many points.</summary>
    AdcStuck,

    /// <summary>The deflection channel sat at full scale for too many points.</summary>
    AdcSaturated,

    /// <summary>An SPI transfer to a DAC or the ADC failed.</summary>
    SpiFailure,

    /// <summary>The ADC's BUSY line stayed high or never rose.</summary>
    BusyTimeout,

    /// <summary>Z feedback held its output at the end of the Z range for too long.</summary>
    ZOutOfRange,

    /// <summary>Z feedback oscillates (gains too high): successive Z steps keep reversing with a large amplitude.</summary>
    Oscillation,

    /// <summary>The approach ran out of Z range before reaching the setpoint.</summary>
    ApproachFailed,

    /// <summary>The scan was stopped: cancellation, host shutdown or Dispose.</summary>
    Shutdown,
}

/// <summary>A fault event: what happened, in words, where and when.</summary>
/// <param name="Kind">Category.</param>
/// <param name="Reason">Human-readable cause with the values involved.</param>
/// <param name="FrameSequence">Frame being scanned.</param>
/// <param name="LineIndex">Line being scanned (−1 before the first line).</param>
/// <param name="Time">When it was detected, from the engine's clock.</param>
public sealed record ScanFault(ScanFaultKind Kind, string Reason, long FrameSequence, int LineIndex, DateTimeOffset Time);

/// <summary>Thrown from <see cref="ScanEngine.RunAsync"/> when a fault stopped the scan; the tip was retracted first.</summary>
public sealed class ScanFaultException : Exception
{
    /// <summary>Wraps <paramref name="fault"/>.</summary>
    public ScanFaultException(ScanFault fault, Exception? innerException = null)
        : base($"Scan stopped ({fault?.Kind}): {fault?.Reason}", innerException)
    {
        ArgumentNullException.ThrowIfNull(fault);
        Fault = fault;
    }

    /// <summary>The fault.</summary>
    public ScanFault Fault { get; }
}
