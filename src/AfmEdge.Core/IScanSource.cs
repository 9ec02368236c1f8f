using System.Threading.Channels;

namespace AfmEdge.Core;

/// <summary>
/// Anything that produces scan lines: the test pattern, the virtual microscope, the real scan engine.
/// The source announces its channels and scan once, then writes lines in order, frame after frame.
/// </summary>
public interface IScanSource
{
    IReadOnlyList<ChannelDescriptor> Channels { get; }

    ScanSettings Scan { get; }

    /// <summary>
    /// Writes the lines of <paramref name="frameCount"/> frames (0: until cancelled) to <paramref name="lines"/>,
    /// waiting when the writer is full. Does not complete the writer: the caller owns it.
    /// </summary>
    Task RunAsync(ChannelWriter<ScanLine> lines, long frameCount, CancellationToken cancellationToken);
}
