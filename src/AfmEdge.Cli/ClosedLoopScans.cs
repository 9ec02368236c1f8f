using AfmEdge.Control;
using AfmEdge.Core;
using AfmEdge.Host.Sources;
using AfmEdge.Processing;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Cli;

/// <summary>
/// One frame of a specimen scanned on the closed-loop virtual microscope, the scanner `afmedge run` and `afmedge scan` use
/// (drivers, chips, its tuned Z feedback), as the host acquires it: corrected, trace channels only, without Deflection.
/// </summary>
internal static class ClosedLoopScans
{
    /// <summary>
    /// The scan of specimen <paramref name="seed"/> with corrections, without its retrace and without Deflection (the
    /// feedback's error signal, which no truth has a field for).
    /// </summary>
    /// <exception cref="ClosedLoopScanFailedException">The scan faulted (the engine retracted Z) or ended without a frame.</exception>
    public static Frame Scan(SpecimenOptions specimen, ScanSettings scan, InstrumentOptions instrument, long seed, double gainScale, ProcessingChain? corrections)
    {
        using var microscope = new ClosedLoopMicroscope(scan, new ClosedLoopOptions { Seed = seed, Specimen = specimen, Instrument = instrument, GainScale = gainScale });
        Frame? frame;
        try
        {
            frame = OneFrame.ScanAsync(microscope.Engine, scan, microscope.Clock, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (ScanFaultException e)
        {
            throw new ClosedLoopScanFailedException($"the closed-loop scan of seed {seed} at {scan.PixelsX}² faulted ({e.Fault.Kind}) at line {e.Fault.LineIndex}: {e.Fault.Reason.TrimEnd('.')}", e);
        }

        if (frame is null)
        {
            throw new ClosedLoopScanFailedException($"the closed-loop scan of seed {seed} at {scan.PixelsX}² ended without a frame", null);
        }

        var fields = new Frame(frame.Id, frame.Scan, frame.Channels.Where(c => c.Name != "Deflection"), frame.Metadata);
        return TraceOnly(corrections is null ? fields : corrections.Apply(fields));
    }

    /// <summary>The frame's trace channels alone.</summary>
    public static Frame TraceOnly(Frame frame) => new(frame.Id, frame.Scan, frame.Channels.Where(c => c.Direction == ScanDirection.Trace), frame.Metadata);
}

/// <summary>A closed-loop scan that made no frame: the command stops with this one line (exit 1), as afmedge scan does.</summary>
internal sealed class ClosedLoopScanFailedException(string message, Exception? inner) : Exception(message, inner);
