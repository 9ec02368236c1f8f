using AfmEdge.Core;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Processing.Tests;

public sealed class RegistrationTests
{
    private const int Size = 128;

    private static readonly string[] ProbeNames = ["Height", "Current"];

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(3.0, -5.0)]
    [InlineData(-12.0, 7.0)]
    [InlineData(2.3, 1.7)]
    [InlineData(-0.4, 0.25)]
    [InlineData(10.5, -7.75)]
    public void Estimate_ShiftedSameQuantity_RecoversShiftWithin0p1Pixel(double dx, double dy)
    {
        var reference = Blobs(Size, Size, seed: 1, 0, 0, noise: 0.01);
        var moving = Blobs(Size, Size, seed: 1, dx, dy, noise: 0.01, noiseSeed: 99);
        var shift = ChannelRegistration.Estimate(reference, moving, Size, Size, new RegistrationOptions { Feature = RegistrationFeature.Intensity });
        AssertShift(dx, dy, shift, 0.1);
    }

    [Theory]
    [InlineData(4.0, -3.0)]
    [InlineData(-6.4, 2.6)]
    [InlineData(1.25, 0.8)]
    public void Estimate_DifferentQuantitySharingEdges_GradientRecoversShiftWithin0p1Pixel(double dx, double dy)
    {
        // A "current" that is an inverted, rescaled, saturated function of the height, on its own offset and noise.
        var reference = Blobs(Size, Size, seed: 2, 0, 0, noise: 0.01);
        var moving = Blobs(Size, Size, seed: 2, dx, dy, noise: 0, noiseSeed: 5)
            .Select((v, i) => (float)(3e-12 - (2e-12 * Math.Tanh(v)) + (2e-14 * Hash(i, 17)))).ToArray();
        var shift = ChannelRegistration.Estimate(reference, moving, Size, Size);
        AssertShift(dx, dy, shift, 0.1);
    }

    [Theory]
    [InlineData(RegistrationFeature.Intensity, 13.6, -9.3)]
    [InlineData(RegistrationFeature.Gradient, -21.25, 4.4)]
    public void Estimate_LargeFrame_FineWindowRecoversShiftWithin0p1Pixel(RegistrationFeature feature, double dx, double dy)
    {
        // 512²: the coarse pass on 4×4-binned features places the windows; the fine pass averages 256² windows placed where the reference has structure, offset by the coarse shift.
        const int size = 512;
        var reference = Blobs(size, size, seed: 3, 0, 0, noise: 0.02, noiseSeed: 4);
        var moving = Blobs(size, size, seed: 3, dx, dy, noise: 0.02, noiseSeed: 5);
        var shift = ChannelRegistration.Estimate(reference, moving, size, size, new RegistrationOptions { Feature = feature });
        AssertShift(dx, dy, shift, 0.1);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    public void Options_BadFineWindows_ThrowsNamingIt(int windows)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(new RegistrationOptions { FineWindows = windows }.Validate);
        Assert.Equal("FineWindows", e.ParamName);
    }

    [Fact]
    public void Estimate_SeveralMovingImages_EachMatchesItsOwnEstimate()
    {
        // Three moving images: one whole pair and one packed with the reference in the transforms.
        var reference = Blobs(Size, Size, seed: 5, 0, 0, noise: 0.05, noiseSeed: 1);
        var shifts = new[] { (3.4, -1.2), (-6.6, 4.1), (0.7, 8.3) };
        var moving = shifts.Select((s, i) => (ReadOnlyMemory<float>)Blobs(Size, Size, seed: 5, s.Item1, s.Item2, noise: 0.05, noiseSeed: 2 + i)).ToArray();
        var together = ChannelRegistration.Estimate(reference, moving, Size, Size, new RegistrationOptions { Feature = RegistrationFeature.Intensity });
        for (var i = 0; i < shifts.Length; i++)
        {
            var alone = ChannelRegistration.Estimate(reference, moving[i].Span, Size, Size, new RegistrationOptions { Feature = RegistrationFeature.Intensity });
            // The transforms run in single precision: packing an image with another partner changes only rounding.
            Assert.Equal(alone.Dx, together[i].Dx, 1e-5);
            Assert.Equal(alone.Dy, together[i].Dy, 1e-5);
            AssertShift(shifts[i].Item1, shifts[i].Item2, together[i], 0.1);
        }
    }

    [Fact]
    public void Estimate_IndependentNoise_LowConfidenceRefused()
    {
        var a = Enumerable.Range(0, Size * Size).Select(i => (float)Hash(i, 1)).ToArray();
        var b = Enumerable.Range(0, Size * Size).Select(i => (float)Hash(i, 2)).ToArray();
        foreach (var feature in new[] { RegistrationFeature.Intensity, RegistrationFeature.Gradient })
        {
            var shift = ChannelRegistration.Estimate(a, b, Size, Size, new RegistrationOptions { Feature = feature });
            Assert.False(shift.Accepted, $"{feature}: {shift}");
            Assert.True(shift.Confidence < 0.3, $"{feature}: {shift}");
        }
    }

    [Fact]
    public void Estimate_FlatImage_ZeroConfidenceRefused()
    {
        var flat = Enumerable.Repeat(5f, Size * Size).ToArray();
        var blobs = Blobs(Size, Size, seed: 3, 0, 0, noise: 0);
        var shift = ChannelRegistration.Estimate(blobs, flat, Size, Size);
        Assert.Equal(0, shift.Confidence);
        Assert.False(shift.Accepted);
    }

    [Fact]
    public void Estimate_MismatchedChannels_ThrowsNamingThem()
    {
        var a = new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), 16, 16, new float[256]);
        var b = new Channel(new ChannelDescriptor("Current", PhysicalUnit.Ampere), 16, 8, new float[128]);
        var e = Assert.Throws<ArgumentException>(() => ChannelRegistration.Estimate(a, b));
        Assert.Contains("Current", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.3, -0.7)]
    [InlineData(-2.5, 1.25)]
    [InlineData(5.0, 3.0)]
    [InlineData(-40.2, 30.6)]
    public void ImageShift_MatchesScalarReference(double dx, double dy)
    {
        const int width = 67;
        const int height = 45;
        var data = TestData.Field(width, height, seed: 4, offset: 0);
        var expected = Reference.Shift(data, width, height, dx, dy);
        var output = new float[data.Length];
        ImageShift.Apply(data, output, width, height, dx, dy);
        TestData.AssertClose(expected, output, 1e-6);
    }

    [Fact]
    public void ImageShift_ThenInverse_RestoresInteriorOfSmoothField()
    {
        var data = Blobs(Size, Size, seed: 5, 0, 0, noise: 0);
        var moved = new float[data.Length];
        ImageShift.Apply(data, moved, Size, Size, 7, -4);
        var expected = Blobs(Size, Size, seed: 5, 7, -4, noise: 0);
        var (x, y, w, h) = ImageShift.ValidArea(Size, Size, 7, -4);
        Assert.Equal((7, 0, Size - 7, Size - 4), (x, y, w, h));
        for (var yy = y; yy < y + h; yy++)
        {
            for (var xx = x; xx < x + w; xx++)
            {
                Assert.Equal(expected[(yy * Size) + xx], moved[(yy * Size) + xx], 1e-5f);
            }
        }
    }

    [Theory]
    [InlineData(256, 1)]
    [InlineData(256, 3)]
    [InlineData(256, 11)]
    public void Estimate_SimulatorProbes_RecoverProbeOffsetsWithin0p1Pixel(int size, int seed) => AssertProbeOffsets(size, seed);

    [Theory]
    [Trait("Category", "Slow")]
    [InlineData(512, 1)]
    [InlineData(512, 3)]
    [InlineData(512, 5)]
    [InlineData(512, 11)]
    public void Estimate_SimulatorProbesLargeFrame_RecoverProbeOffsetsWithin0p1Pixel(int size, int seed) => AssertProbeOffsets(size, seed);

    [Fact]
    public void Chain_Register_AlignsProbesAndRetraceOfSimulatorFrameAndRecordsIt()
    {
        var (frame, instrument) = Simulated.Value;
        var chain = ProcessingChain.ParseList("register");
        var result = chain.Apply(frame);
        var report = result.Metadata["registration"];
        Assert.Contains("Current:", report, StringComparison.Ordinal);
        Assert.Contains("Adhesion-retrace:", report, StringComparison.Ordinal);
        Assert.Equal("register", result.Metadata["processing"]);

        // After registration nothing is left to find: every probe and the retrace sit on probe 1.
        var reference = result.GetChannel("Adhesion");
        foreach (var name in new[] { "Current", "Potential" })
        {
            AssertShift(0, 0, ChannelRegistration.Estimate(reference, result.GetChannel(name)), 0.1);
            AssertShift(0, 0, ChannelRegistration.Estimate(result.GetChannel(name), result.GetChannel(name, ScanDirection.Retrace),
                new RegistrationOptions { Feature = RegistrationFeature.Intensity }), 0.2);
        }

        AssertShift(0, 0, ChannelRegistration.Estimate(result.GetChannel("Height"), result.GetChannel("Height", ScanDirection.Retrace),
            new RegistrationOptions { Feature = RegistrationFeature.Intensity }), 0.2);
        Assert.NotEqual(frame.GetChannel("Current").Data.ToArray(), result.GetChannel("Current").Data.ToArray());
        Assert.Equal(frame.GetChannel("Height").Data.ToArray(), result.GetChannel("Height").Data.ToArray());
        Assert.Equal(frame.GetChannel("Adhesion").Data.ToArray(), reference.Data.ToArray());
        Assert.NotNull(instrument);
    }

    [Fact]
    public void Chain_RegisterCrop_CropsEveryChannelToTheCommonAreaAndMovesTheScan()
    {
        var (frame, _) = Simulated.Value;
        var registered = ProcessingChain.ParseList("register").Apply(frame);
        var cropped = ProcessingChain.ParseList("register:crop").Apply(frame);
        Assert.Equal("register:crop", cropped.Metadata["processing"]);
        var report = cropped.Metadata["registration"];
        Assert.Contains("cropped", report, StringComparison.Ordinal);

        // "common area x=X y=Y W×H px": the cropped frame is that rectangle of the registered one, every channel.
        var area = System.Text.RegularExpressions.Regex.Match(report, @"common area x=(\d+) y=(\d+) (\d+)×(\d+) px");
        Assert.True(area.Success, report);
        var (x0, y0, w, h) = (int.Parse(area.Groups[1].Value), int.Parse(area.Groups[2].Value), int.Parse(area.Groups[3].Value), int.Parse(area.Groups[4].Value));
        Assert.True(w < frame.Width && h < frame.Height, report);
        Assert.Equal((w, h, w, h), (cropped.Width, cropped.Height, cropped.Scan.PixelsX, cropped.Scan.PixelsY));
        Assert.Equal(frame.PixelSizeX, cropped.PixelSizeX, 1e-15);
        Assert.Equal(frame.Scan.OffsetX + (x0 * frame.PixelSizeX), cropped.Scan.OffsetX, 1e-15);
        Assert.Equal(frame.Scan.OffsetY + (y0 * frame.PixelSizeY), cropped.Scan.OffsetY, 1e-15);
        foreach (var channel in cropped.Channels)
        {
            var full = registered.GetChannel(channel.Name, channel.Direction);
            for (var y = 0; y < h; y++)
            {
                Assert.Equal(full.Data.Slice(((y0 + y) * frame.Width) + x0, w).ToArray(), channel.Row(y).ToArray());
            }
        }
    }

    [Fact]
    public void Estimate_SimulatorTraceRetrace_RecoversLagAndOffsetWithin0p2Pixel()
    {
        var (frame, instrument) = Simulated.Value;
        var shift = ChannelRegistration.Estimate(frame.GetChannel("Adhesion"), frame.GetChannel("Adhesion", ScanDirection.Retrace),
            new RegistrationOptions { Feature = RegistrationFeature.Intensity });

        // Trace reads the sample at x − L and retrace at x + offset + L (L = lag × tip speed): retrace features sit at −(offset + 2L).
        var scan = frame.Scan;
        var pathLength = scan.SizeX * (1 + (2 * Math.Ceiling(scan.Overscan * scan.PixelsX * instrument.FastAxisSubsamples) / (scan.PixelsX * instrument.FastAxisSubsamples)));
        var speed = pathLength / (0.5 / scan.LineRateHz);
        var expected = -(instrument.TraceRetrace.RetraceOffset + (2 * instrument.TraceRetrace.Lag * speed)) / frame.PixelSizeX;
        AssertShift(expected, 0, shift, 0.2);
    }

    [Fact]
    public void Chain_RegisterOnSingleChannel_ThrowsNamingStep()
    {
        var chain = ProcessingChain.ParseList("level:plane,register:probes");
        var channel = new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), 16, 16, new float[256]);
        var e = Assert.Throws<ArgumentException>(() => chain.Apply(channel, out _));
        Assert.Contains("register:probes", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("register:probes:", "PROBES")]
    [InlineData("register:sideways", "unknown")]
    [InlineData("register:probes:a b", "PROBES")]
    [InlineData("register:probes:current:", "REFERENCE")]
    public void Parse_BadRegisterStep_ErrorNamesStepAndParameter(string step, string expected)
    {
        Assert.False(ProcessingChain.TryParseStep(step, out var error));
        Assert.Contains(step, error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Chain_RegisterProbesUnknownChannel_ThrowsNamingIt()
    {
        var channels = ProbeNames.Select(n => new Channel(new ChannelDescriptor(n, PhysicalUnit.Metre), 16, 16, new float[256]));
        var frame = new Frame(new FrameId(DateTimeOffset.UnixEpoch, 0), new ScanSettings { SizeX = 1e-6, SizeY = 1e-6, PixelsX = 16, PixelsY = 16, LineRateHz = 1 }, channels);
        var e = Assert.Throws<ArgumentException>(() => ProcessingChain.ParseList("register:probes:Potential").Apply(frame));
        Assert.Contains("potential", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// One simulator frame (trace and retrace) shared by the simulator tests: the default instrument (noise, row
    /// offsets, drift, feedback, scars, probe offsets) with a trace/retrace lag and offset, but without hysteresis and
    /// creep, which bend trace against retrace along the line instead of shifting it.
    /// </summary>
    private static readonly Lazy<(Frame Frame, InstrumentOptions Instrument)> Simulated = new(() =>
    {
        var scan = new ScanSettings { SizeX = 8e-6, SizeY = 8e-6, PixelsX = 256, PixelsY = 256, LineRateHz = 1 };
        var specimen = new ChromosomeSpecimen(11, new SpecimenOptions { FieldSizeX = scan.SizeX, FieldSizeY = scan.SizeY });
        var instrument = new InstrumentOptions
        {
            Piezo = new PiezoOptions { Hysteresis = 0, Creep = 0 },
            TraceRetrace = new TraceRetraceOptions { Lag = 0.2e-3, RetraceOffset = 60e-9 },
        };
        return (IdealScan.Render(specimen, scan, instrument, new RenderOptions { IncludeRetrace = true }), instrument);
    });

    /// <summary>
    /// The default instrument (noise, row offsets, drift, creep, hysteresis, feedback, scars) on a 20 µm scan, with
    /// probe offsets that are fractional along the fast axis and whole lines along the slow axis. Why whole lines: the
    /// simulator samples the specimen along the slow axis only at line centres and reads a probe that sits between
    /// lines by linear interpolation, whose phase is not a shift (it pulls high frequencies towards the nearer line, by
    /// up to ~0.06 px in these frames), so a fractional slow-axis offset is not what the frame shows. Along the fast
    /// axis it samples four times per pixel and averages, which renders a fractional offset faithfully.
    /// </summary>
    private static void AssertProbeOffsets(int size, int seed)
    {
        var scan = new ScanSettings { SizeX = 20e-6, SizeY = 20e-6, PixelsX = size, PixelsY = size, LineRateHz = 1 };
        var pixel = scan.SizeX / size;
        var instrument = new InstrumentOptions
        {
            ProbeOffsets = new ProbeOffsetOptions
            {
                Current = new ProbeOffset { Dx = 3.37 * pixel, Dy = -2 * pixel },
                Potential = new ProbeOffset { Dx = -3.84 * pixel, Dy = 3 * pixel },
            },
        };
        var specimen = new ChromosomeSpecimen(seed, new SpecimenOptions { FieldSizeX = scan.SizeX, FieldSizeY = scan.SizeY });
        var frame = IdealScan.Render(specimen, scan, instrument, new RenderOptions { NoiseSeed = seed });

        // Probe 1's adhesion is the reference: its height is tip-dilated, which moves asymmetric edges by up to ~0.15 px.
        var reference = frame.GetChannel("Adhesion");
        foreach (var (name, offset) in new[] { ("Current", instrument.ProbeOffsets.Current), ("Potential", instrument.ProbeOffsets.Potential) })
        {
            var shift = ChannelRegistration.Estimate(reference, frame.GetChannel(name));

            // A probe at (dx, dy) sees the sample at (x + dx, y + dy): its image shows features at (−dx, −dy).
            AssertShift(-offset.Dx / frame.PixelSizeX, -offset.Dy / frame.PixelSizeY, shift, 0.1);
        }
    }

    private static void AssertShift(double dx, double dy, RegistrationShift shift, double tolerance)
    {
        Assert.True(shift.Accepted, $"expected ({dx:F3}, {dy:F3}), got {shift}");
        Assert.True(Math.Abs(shift.Dx - dx) <= tolerance && Math.Abs(shift.Dy - dy) <= tolerance, $"expected ({dx:F3}, {dy:F3}), got {shift}");
    }

    /// <summary>Gaussian bumps evaluated at (x − dx, y − dy) exactly, on a tilt, plus optional white noise.</summary>
    internal static float[] Blobs(int width, int height, int seed, double dx, double dy, double noise, int noiseSeed = 0)
    {
        var random = new Random(seed);
        var blobs = Enumerable.Range(0, 40).Select(_ => (X: random.NextDouble() * width, Y: random.NextDouble() * height,
            S: 2 + (random.NextDouble() * 5), A: 0.5 + random.NextDouble())).ToArray();
        var data = new float[width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var sx = x - dx;
                var sy = y - dy;
                var z = 0.002 * sx;
                foreach (var b in blobs)
                {
                    var r2 = ((sx - b.X) * (sx - b.X)) + ((sy - b.Y) * (sy - b.Y));
                    z += b.A * Math.Exp(-r2 / (2 * b.S * b.S));
                }

                data[(y * width) + x] = (float)(z + (noise * Hash((y * width) + x, noiseSeed)));
            }
        }

        return data;
    }

    /// <summary>Deterministic noise in [−0.5, 0.5).</summary>
    private static double Hash(int i, int seed)
    {
        var h = (ulong)(uint)i * 0x9E3779B97F4A7C15UL ^ ((ulong)(uint)seed * 0xC2B2AE3D27D4EB4FUL);
        h ^= h >> 31;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 29;
        return ((h >> 11) * (1.0 / (1UL << 53))) - 0.5;
    }
}
