using AfmEdge.Core;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Processing.Tests;

public sealed class TraceRetraceMergeTests
{
    private static readonly ScanSettings Scan = new() { SizeX = 1e-6, SizeY = 1e-6, PixelsX = 32, PixelsY = 8, LineRateHz = 1 };

    private static Frame Frame(params Channel[] channels) => new(new FrameId(DateTimeOffset.UnixEpoch, 0), Scan, channels);

    private static Channel Make(string name, PhysicalUnit unit, ScanDirection direction, float[] data) =>
        new(new ChannelDescriptor(name, unit, direction), Scan.PixelsX, Scan.PixelsY, data);

    private static float[] Noise(int seed, double sigma)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, Scan.PixelsX * Scan.PixelsY).Select(_ => (float)(sigma * ((random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5) * 2)))];
    }

    [Fact]
    public void Merge_AgreeingDirections_AveragesAndHalvesNoiseVariance()
    {
        var trace = Noise(1, 1.0);
        var retrace = Noise(2, 1.0);
        var output = new float[trace.Length];

        var (sigma, lower) = TraceRetraceMerge.Merge(trace, retrace, output, double.PositiveInfinity);

        Assert.Equal(0, lower);
        for (var i = 0; i < output.Length; i++)
        {
            Assert.Equal(0.5f * (trace[i] + retrace[i]), output[i]);
        }

        // Each direction's noise is σ_d / √2: the robust σ of the difference estimates √2 × the per-direction σ.
        var perDirection = Math.Sqrt(trace.Select(v => (double)v * v).Average());
        Assert.InRange(sigma / Math.Sqrt(2), 0.8 * perDirection, 1.2 * perDirection);
        var merged = Math.Sqrt(output.Select(v => (double)v * v).Average());
        Assert.InRange(merged, 0.6 * perDirection, 0.8 * perDirection);
    }

    [Fact]
    public void Apply_HeightTailsOnOppositeEdges_KeepsTheLowerAndAveragesFields()
    {
        // A plateau between columns 10 and 20; the trace hangs 5 columns past its right edge, the retrace past its left one.
        float Surface(int x) => x is >= 10 and < 20 ? 100f : 0f;
        float Trace(int x) => x is >= 20 and < 25 ? 100f - (20 * (x - 19)) : Surface(x);
        float Retrace(int x) => x is >= 5 and < 10 ? 100f - (20 * (10 - x)) : Surface(x);
        var noiseT = Noise(3, 0.5);
        var noiseR = Noise(4, 0.5);
        var n = Scan.PixelsX * Scan.PixelsY;
        var heightT = new float[n];
        var heightR = new float[n];
        var currentT = new float[n];
        var currentR = new float[n];
        for (var i = 0; i < n; i++)
        {
            var x = i % Scan.PixelsX;
            heightT[i] = Trace(x) + noiseT[i];
            heightR[i] = Retrace(x) + noiseR[i];
            currentT[i] = 50 + (x < 16 ? 10 : -10);
            currentR[i] = 50 - (x < 16 ? 10 : -10);
        }

        var frame = Frame(
            Make("Height", PhysicalUnit.Metre, ScanDirection.Trace, heightT),
            Make("Current", PhysicalUnit.Ampere, ScanDirection.Trace, currentT),
            Make("Height", PhysicalUnit.Metre, ScanDirection.Retrace, heightR),
            Make("Current", PhysicalUnit.Ampere, ScanDirection.Retrace, currentR));

        var merged = ProcessingChain.ParseList("merge-retrace").Apply(frame);

        var height = merged.GetChannel("Height").Data;
        for (var i = 0; i < n; i++)
        {
            // Within a few noise σ of the true surface everywhere: the tails are gone.
            Assert.InRange(height[i], Surface(i % Scan.PixelsX) - 3, Surface(i % Scan.PixelsX) + 3);
        }

        Assert.All(merged.GetChannel("Current").Data.ToArray(), v => Assert.Equal(50f, v));
        // The merged retraces are gone: their samples are in the traces now.
        Assert.Equal(["Height", "Current"], merged.Channels.Select(c => c.Descriptor.Key));
        Assert.Contains("Height: noise", merged.Metadata[TraceRetraceMerge.MetadataKey], StringComparison.Ordinal);
        Assert.Contains("lower kept on", merged.Metadata[TraceRetraceMerge.MetadataKey], StringComparison.Ordinal);
        Assert.Equal("merge-retrace", merged.Metadata["processing"]);

        // The noise of the merged channels, for the analysis: half the robust σ of trace − retrace.
        Assert.Equal("32×8", merged.Metadata[MeasurementNoise.GridKey]);
        var (sigmaCurrent, _) = TraceRetraceMerge.Merge(currentT, currentR, new float[n], double.PositiveInfinity);
        Assert.Equal(0.5 * sigmaCurrent, double.Parse(merged.Metadata[MeasurementNoise.Key("Current")], System.Globalization.CultureInfo.InvariantCulture), 9);
        Assert.InRange(double.Parse(merged.Metadata[MeasurementNoise.Key("Height")], System.Globalization.CultureInfo.InvariantCulture), 0.1, 3.0);
    }

    [Fact]
    public void Apply_RetraceWithoutTrace_Stays_MergedRetraceDropped()
    {
        var frame = Frame(
            Make("Height", PhysicalUnit.Metre, ScanDirection.Trace, Noise(1, 1)),
            Make("Height", PhysicalUnit.Metre, ScanDirection.Retrace, Noise(2, 1)),
            Make("Current", PhysicalUnit.Ampere, ScanDirection.Retrace, Noise(3, 1)));

        var merged = new TraceRetraceMerge().Apply(frame);

        Assert.Equal(["Height", "Current-retrace"], merged.Channels.Select(c => c.Descriptor.Key));
        Assert.Equal(frame.GetChannel("Current", ScanDirection.Retrace).Data.ToArray(), merged.GetChannel("Current", ScanDirection.Retrace).Data.ToArray());
    }

    [Fact]
    public void ChainApply_MaskedPixelsBeforeAMerge_CountedUnderTheirOwnChannels()
    {
        // The masked-pixel report is kept by channel name, so a step that drops channels cannot shift the counts onto
        // the wrong names; the pooled and unpooled paths agree.
        var retrace = Noise(2, 1);
        retrace[5] = float.NaN;
        retrace[6] = float.NaN;
        var current = Noise(4, 1);
        current[9] = float.NaN;
        var frame = Frame(
            Make("Height", PhysicalUnit.Metre, ScanDirection.Trace, Noise(1, 1)),
            Make("Height", PhysicalUnit.Metre, ScanDirection.Retrace, retrace),
            Make("Current", PhysicalUnit.Ampere, ScanDirection.Trace, current),
            Make("Current", PhysicalUnit.Ampere, ScanDirection.Retrace, Noise(5, 1)));
        var chain = ProcessingChain.ParseList("level:plane,merge-retrace,level:plane");

        var plain = chain.Apply(frame);
        var pooled = chain.Apply(frame, null, new ChannelBufferPool());

        Assert.Equal(["Height", "Current"], plain.Channels.Select(c => c.Descriptor.Key));
        Assert.Equal("Height-retrace: 2 NaN/Inf px; Current: 1 NaN/Inf px", plain.Metadata["processing.masked"]);
        Assert.Equal(plain.Metadata["processing.masked"], pooled.Metadata["processing.masked"]);
        Assert.Equal(plain.GetChannel("Height").Data.ToArray(), pooled.GetChannel("Height").Data.ToArray());
    }

    [Fact]
    public void Apply_NoRetrace_LeavesChannelsAndSaysSo()
    {
        var height = Noise(5, 1);
        var frame = Frame(Make("Height", PhysicalUnit.Metre, ScanDirection.Trace, height));

        var merged = new TraceRetraceMerge().Apply(frame);

        Assert.Equal(height, merged.GetChannel("Height").Data.ToArray());
        Assert.Equal("no trace/retrace pair; nothing merged", merged.Metadata[TraceRetraceMerge.MetadataKey]);
    }

    [Fact]
    public void Merge_NonFiniteInOneDirection_TakesTheOther()
    {
        float[] trace = [1, float.NaN, 3, float.NaN];
        float[] retrace = [1, 2, float.PositiveInfinity, float.NaN];
        var output = new float[4];

        TraceRetraceMerge.Merge(trace, retrace, output, 3);

        Assert.Equal(1f, output[0]);
        Assert.Equal(2f, output[1]);
        Assert.Equal(3f, output[2]);
        Assert.True(float.IsNaN(output[3]));
    }

    [Theory]
    [InlineData("merge-retrace", "merge-retrace", 3.0)]
    [InlineData("merge-retrace:2.5", "merge-retrace:2.5", 2.5)]
    public void Parse_MergeRetrace_RoundTripsItsName(string step, string name, double threshold)
    {
        var merge = Assert.IsType<TraceRetraceMerge>(ProcessingChain.ParseList(step).Operations.Single());

        Assert.Equal(name, merge.Name);
        Assert.Equal(threshold, merge.Threshold);
    }

    [Theory]
    [InlineData("merge-retrace:0")]
    [InlineData("merge-retrace:abc")]
    [InlineData("merge-retrace:1:2")]
    public void Parse_BadMergeRetrace_Throws(string step)
    {
        Assert.False(ProcessingChain.TryParseStep(step, out var error));
        Assert.Contains("merge-retrace", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_BadThreshold_ThrowsOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TraceRetraceMerge(-1));
    }

    [Fact]
    public void MidpointThenMerge_FeedbackTails_HeightNearerTheIdealTracking()
    {
        // The virtual microscope with only its Z feedback (and the pixel dwell): chromosomes' trailing edges get
        // parachuting tails on opposite sides in the two directions. Registered and merged, the height is nearer the
        // height an ideal feedback records than the trace alone is.
        var specimen = new ChromosomeSpecimen(2003, new SpecimenOptions { FieldSizeX = 10e-6, FieldSizeY = 10e-6, ReferenceGridPixels = 128 });
        var scan = new ScanSettings { SizeX = 10e-6, SizeY = 10e-6, PixelsX = 128, PixelsY = 128, LineRateHz = 2 };
        var still = InstrumentOptions.TipOnly with { Tip = new TipOptions { ApexRadius = 1e-12 } };
        var ideal = IdealScan.Render(specimen, scan, still, new RenderOptions { IncludeRetrace = false }).GetChannel("Height").Data.ToArray();
        var withFeedback = IdealScan.Render(specimen, scan, still with { Feedback = new FeedbackOptions() }, new RenderOptions { IncludeRetrace = true });

        var trace = withFeedback.GetChannel("Height").Data.ToArray();
        var merged = ProcessingChain.ParseList("register:midpoint,merge-retrace").Apply(withFeedback).GetChannel("Height").Data.ToArray();

        // Pixels reading more than 5 nm above the ideal tracking: the tails (and little else).
        var traceHigh = ideal.Zip(trace, (a, b) => b - a > 5e-9).Count(h => h);
        var mergedHigh = ideal.Zip(merged, (a, b) => b - a > 5e-9).Count(h => h);
        Assert.True(traceHigh > 50, $"{traceHigh} tail pixels in the trace");
        Assert.True(mergedHigh < 0.5 * traceHigh, $"pixels over 5 nm high: merged {mergedHigh}, trace {traceHigh}");
    }
}
