using Microsoft.Extensions.Logging;

namespace AfmEdge.Control;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Error, "Scan fault {Kind} at frame {Frame} line {Line}: {Reason}; Z retracted.")]
    public static partial void Fault(ILogger logger, ScanFaultKind kind, long frame, int line, string reason);

    [LoggerMessage(2, LogLevel.Information, "Approach engaged at Z = {ZVolts:0.000} V, deflection {Deflection:0.000} V.")]
    public static partial void Engaged(ILogger logger, double zVolts, double deflection);

    [LoggerMessage(3, LogLevel.Information, "Scan stopped ({Reason}); Z retracted.")]
    public static partial void Stopped(ILogger logger, string reason);
}
