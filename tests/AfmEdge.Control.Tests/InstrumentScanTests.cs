using AfmEdge.Core;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.VirtualAfm;

namespace AfmEdge.Control.Tests;

// The instrument model in the closed loop: the engine scans through drift and probe offsets exactly as it would
// on a microscope, and the images show them by the expected number of pixels.
public sealed class InstrumentScanTests
{
    private const int Pixels = 32;
    private const double Size = 2e-6;
    private const double LineRate = 10;

    [Fact]
    public async Task Scan_Drift_MovesTheBumpByVelocityTimesFrameTime()
    {
        var instrument = InstrumentOptions.TipOnly with { Drift = new DriftOptions { VelocityX = 60e-9, VelocityY = -40e-9, VelocityZ = 0 } };
        var frames = await ScanAsync(instrument, frames: 2);

        var (x1, y1) = Centroid(frames[0].Height);
        var (x2, y2) = Centroid(frames[1].Height);

        // One frame apart (32 lines at 10 lines/s: 3.2 s; the 20 ms return is neglected), corrected for the lines
        // themselves: the bump moves toward −y, so the next frame meets it Δy lines earlier, Δt = T + Δy / line rate.
        double pixel = Size / Pixels;
        double frameTime = Pixels / LineRate;
        double dy = -40e-9 * frameTime / pixel / (1 + (40e-9 / pixel / LineRate));
        double dx = 60e-9 * (frameTime + (dy / LineRate)) / pixel;
        Assert.Equal(dy, y2 - y1, 0.1);
        Assert.Equal(dx, x2 - x1, 0.1);
    }

    [Fact]
    public async Task Scan_ProbeOffset_ShiftsTheCurrentImageAgainstTheOffset()
    {
        var instrument = InstrumentOptions.TipOnly with
        {
            ProbeOffsets = new ProbeOffsetOptions { Current = new() { Dx = 250e-9, Dy = -125e-9 }, Potential = new() },
        };
        var frames = await ScanAsync(instrument, frames: 1);

        // Potential falls on the bump and is read at probe 1 (offset 0), free of the Z feedback's own lag.
        var (hx, hy) = Centroid(frames[0].Potential, sign: -1);
        var (cx, cy) = Centroid(frames[0].Current);

        // Probe 2 reads (x + dx, y + dy) while probe 1 is at (x, y): its image shows the bump at (−dx, −dy).
        Assert.Equal(-4.0, cx - hx, 0.3);
        Assert.Equal(2.0, cy - hy, 0.3);
    }

    [Fact]
    public async Task Scan_FullInstrument_AllocatesNothingPerLine()
    {
        var options = VirtualRig.DefaultOptions(pixels: 64, lineRate: 10);
        var model = new ClosedLoopInstrument(new InstrumentOptions(), options.Scan, 7);
        using var rig = new VirtualRig(options, instrument: model);

        var result = await rig.ScanAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Null(result.Error);
        Assert.Equal(64, result.Lines.Count);
        Assert.Equal(0, rig.Engine.Statistics.MaxAllocatedBytesPerLine);
        Assert.Equal(128, model.HalfLines - 1); // every trace and retrace was recognised, after the move to the start
    }

    private static async Task<List<(float[] Height, float[] Current, float[] Potential)>> ScanAsync(InstrumentOptions instrument, int frames)
    {
        var options = VirtualRig.DefaultOptions(pixels: Pixels, lineRate: LineRate);
        var surface = new BumpSurface([new Bump(0, 0, 150e-9, 100e-9)]);
        using var rig = new VirtualRig(options, surface, instrument: new ClosedLoopInstrument(instrument, options.Scan, 1));
        var channel = System.Threading.Channels.Channel.CreateUnbounded<ScanLine>();
        await rig.Engine.RunAsync(channel.Writer, frames, TestContext.Current.CancellationToken);
        channel.Writer.Complete();
        int current = rig.Engine.Channels.ToList().FindIndex(c => c.Name == "Current" && c.Direction == ScanDirection.Trace);
        int potential = rig.Engine.Channels.ToList().FindIndex(c => c.Name == "Potential" && c.Direction == ScanDirection.Trace);
        var result = new List<(float[], float[], float[])>();
        for (int f = 0; f < frames; f++)
        {
            result.Add((new float[Pixels * Pixels], new float[Pixels * Pixels], new float[Pixels * Pixels]));
        }

        await foreach (var line in channel.Reader.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            var (height, cur, pot) = result[(int)line.FrameSequence];
            line.Samples(0).CopyTo(height.AsSpan(line.LineIndex * Pixels, Pixels));
            line.Samples(current).CopyTo(cur.AsSpan(line.LineIndex * Pixels, Pixels));
            line.Samples(potential).CopyTo(pot.AsSpan(line.LineIndex * Pixels, Pixels));
            line.Return();
        }

        return result;
    }

    // Centroid in pixels of what rises above the image's median (the bump on its background); sign −1 for a dip.
    private static (double X, double Y) Centroid(float[] image, int sign = 1)
    {
        var sorted = image.Select(v => sign * v).ToArray();
        Array.Sort(sorted);
        double floor = sorted[sorted.Length / 2];
        double sum = 0, sx = 0, sy = 0;
        for (int j = 0; j < Pixels; j++)
        {
            for (int i = 0; i < Pixels; i++)
            {
                double w = Math.Max(0, (sign * image[(j * Pixels) + i]) - floor);
                sum += w;
                sx += w * i;
                sy += w * j;
            }
        }

        return (sx / sum, sy / sum);
    }
}
