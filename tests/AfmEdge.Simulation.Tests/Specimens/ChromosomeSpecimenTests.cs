using Xunit;
using AfmEdge.Core;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;
using AfmEdge.Simulation.Truth;

namespace AfmEdge.Simulation.Tests.Specimens;

public sealed class ChromosomeSpecimenTests
{
    private static readonly SpecimenOptions Options = TestScans.QuickSpecimen;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Constructor_DefaultOptions_ChromosomesWithinRequestedRanges(long seed)
    {
        var specimen = new ChromosomeSpecimen(seed, Options);

        Assert.InRange(specimen.Chromosomes.Count, Options.ChromosomeCountMin, Options.ChromosomeCountMax);
        foreach (var chromosome in specimen.Chromosomes)
        {
            Assert.InRange(chromosome.Length, 1.5 * chromosome.Width, Options.Length.Max);
            Assert.InRange(chromosome.Width, Options.Width.Min, Options.Width.Max);
            Assert.InRange(chromosome.Height, Options.Height.Min, Options.Height.Max);
            Assert.InRange(chromosome.CentromericIndex, Options.CentromericIndex.Min, Options.CentromericIndex.Max);
            Assert.True(chromosome.PArmLength < chromosome.QArmLength, "the p arm must be the shorter arm");
            foreach (var (x, y) in chromosome.Axis)
            {
                Assert.InRange(x, 0, Options.FieldSizeX);
                Assert.InRange(y, 0, Options.FieldSizeY);
            }
        }
    }

    [Fact]
    public void Sample_OnAxis_ChromosomeHeightAndRegionsFollowTheAxis()
    {
        var specimen = new ChromosomeSpecimen(5, Options);
        var chromosome = specimen.Chromosomes[0];

        // Along the axis, away from the groove's centre line, height is well above the substrate.
        var (cx, cy) = chromosome.Centromere;
        var centromere = specimen.Sample(cx, cy);
        Assert.Equal(SpecimenRegion.Centromere, centromere.Region);
        Assert.Equal(chromosome.Id, centromere.Instance);

        var p = chromosome.AxisPoint(0.5 * chromosome.PArmLength);
        var q = chromosome.AxisPoint(chromosome.Length - (0.5 * chromosome.QArmLength));
        var pPoint = specimen.Sample(p.X, p.Y);
        var qPoint = specimen.Sample(q.X, q.Y);
        Assert.Equal(SpecimenRegion.PArm, pPoint.Region);
        Assert.Equal(SpecimenRegion.QArm, qPoint.Region);
        Assert.InRange(pPoint.Height, 0.4 * chromosome.Height, 1.2 * chromosome.Height);
    }

    [Fact]
    public void SampleLine_AnyDirection_EqualsPointwiseSample()
    {
        var specimen = new ChromosomeSpecimen(5, Options);
        var chromosome = specimen.Chromosomes[0];
        var (x0, y0) = chromosome.AxisPoint(0);
        const double Dx = 7.3e-9;
        const double Dy = -3.1e-9;
        var line = new SpecimenPoint[2000];

        specimen.SampleLine(x0 - 1e-6, y0 + 2e-6, Dx, Dy, line);

        for (var i = 0; i < line.Length; i++)
        {
            Assert.Equal(specimen.Sample(x0 - 1e-6 + (i * Dx), y0 + 2e-6 + (i * Dy)), line[i]);
        }

        Assert.Contains(line, p => p.Instance != 0);
    }

    [Fact]
    public void Render_SameSeed_IdenticalFrames()
    {
        var scan = TestScans.Square(20e-6, 96) with { Overscan = 0.05 };
        var a = IdealScan.Render(new ChromosomeSpecimen(11, Options), scan, new InstrumentOptions(), new RenderOptions { NoiseSeed = 3 });
        var b = IdealScan.Render(new ChromosomeSpecimen(11, Options), scan, new InstrumentOptions(), new RenderOptions { NoiseSeed = 3 });
        var other = IdealScan.Render(new ChromosomeSpecimen(12, Options), scan, new InstrumentOptions(), new RenderOptions { NoiseSeed = 3 });

        Assert.Equal(a.Channels.Count, b.Channels.Count);
        for (var c = 0; c < a.Channels.Count; c++)
        {
            Assert.True(a.Channels[c].Data.SequenceEqual(b.Channels[c].Data), $"channel {a.Channels[c].Descriptor.Key} differs");
        }

        Assert.False(a.Channels[0].Data.SequenceEqual(other.Channels[0].Data));
    }

    [Fact]
    public void Render_256And512OfOneSeed_AgreeAfter2xDownsampling()
    {
        // Tolerance: the RMS difference between the 2×2-averaged 512² and the 256² clean heights is below
        // 2% of the tallest chromosome, and at least 97% of pixels agree within 5% of it. The rest is the
        // steep chromosome rims, where a 2×2 average and a point sample legitimately differ.
        var specimen = new ChromosomeSpecimen(21, Options);
        var clean = new RenderOptions { Clean = true, IncludeRetrace = false };
        var coarse = IdealScan.Render(specimen, TestScans.Square(20e-6, 256), InstrumentOptions.TipOnly, clean).GetChannel("Height").Data;
        var fine = IdealScan.Render(new ChromosomeSpecimen(21, Options), TestScans.Square(20e-6, 512), InstrumentOptions.TipOnly, clean).GetChannel("Height").Data;
        var peak = specimen.Chromosomes.Max(c => c.Height);

        double sum2 = 0;
        var close = 0;
        for (var j = 0; j < 256; j++)
        {
            for (var i = 0; i < 256; i++)
            {
                var average = (fine[(2 * j * 512) + (2 * i)] + fine[(2 * j * 512) + (2 * i) + 1]
                    + fine[(((2 * j) + 1) * 512) + (2 * i)] + fine[(((2 * j) + 1) * 512) + (2 * i) + 1]) / 4.0;
                var difference = average - coarse[(j * 256) + i];
                sum2 += difference * difference;
                if (Math.Abs(difference) < 0.05 * peak)
                {
                    close++;
                }
            }
        }

        var rms = Math.Sqrt(sum2 / (256 * 256));
        Assert.True(rms < 0.02 * peak, $"RMS difference {rms * 1e9:F2} nm vs peak {peak * 1e9:F0} nm");
        Assert.True(close >= 0.97 * 256 * 256, $"{close} of {256 * 256} pixels within 5% of the peak");
    }

    [Fact]
    public void Labels_256And512OfOneSeed_MatchAtCoincidentPositions()
    {
        var specimen = new ChromosomeSpecimen(21, Options);
        var coarse = TruthMaps.Render(specimen, TestScans.Square(20e-6, 256));
        var fine = TruthMaps.Render(specimen, TestScans.Square(20e-6, 512));
        var chromosomePixels = 0;
        var mismatches = 0;
        for (var j = 0; j < 256; j++)
        {
            for (var i = 0; i < 256; i++)
            {
                // The 256² pixel centre lies on the corner shared by four 512² pixels: count a mismatch only
                // when none of the four agrees.
                var label = coarse.RegionAt(i, j);
                if (label == SpecimenRegion.Background)
                {
                    continue;
                }

                chromosomePixels++;
                var agrees = fine.RegionAt(2 * i, 2 * j) == label || fine.RegionAt((2 * i) + 1, 2 * j) == label
                    || fine.RegionAt(2 * i, (2 * j) + 1) == label || fine.RegionAt((2 * i) + 1, (2 * j) + 1) == label;
                mismatches += agrees ? 0 : 1;
            }
        }

        Assert.True(chromosomePixels > 1000);
        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void Render_ScanRotated90Degrees_IsTheUnrotatedImageTurned()
    {
        const int N = 96;
        var specimen = new ChromosomeSpecimen(13, Options);
        var clean = new RenderOptions { Clean = true, IncludeRetrace = false };
        var scan = TestScans.Square(20e-6, N);
        var straight = IdealScan.Render(specimen, scan, InstrumentOptions.TipOnly, clean).GetChannel("Height");
        var turned = IdealScan.Render(specimen, scan with { AngleDegrees = 90 }, InstrumentOptions.TipOnly, clean).GetChannel("Height");
        var peak = specimen.Chromosomes.Max(c => c.Height);

        // Turning the scan by 90° about its centre maps pixel (i, j) onto the unrotated pixel (N − 1 − j, i).
        var mismatched = 0;
        for (var j = 0; j < N; j++)
        {
            for (var i = 0; i < N; i++)
            {
                mismatched += Math.Abs(turned[i, j] - straight[N - 1 - j, i]) > 1e-3 * peak ? 1 : 0;
            }
        }

        Assert.True(mismatched <= 5, $"{mismatched} pixels differ");
    }

    [Fact]
    public void Substrate_AwayFromEverything_HasRequestedRoughness()
    {
        var options = Options with { ChromosomeCountMin = 0, ChromosomeCountMax = 0, DebrisCountMin = 0, DebrisCountMax = 0, SubstrateRoughness = 0.4e-9 };
        var frame = IdealScan.Render(new ChromosomeSpecimen(4, options), TestScans.Square(20e-6, 200), InstrumentOptions.TipOnly,
            new RenderOptions { Clean = true, IncludeRetrace = false });
        var data = frame.GetChannel("Height").Data.ToArray().Select(v => (double)v).ToArray();
        var mean = data.Average();
        var rms = Math.Sqrt(data.Select(v => (v - mean) * (v - mean)).Average());

        Assert.InRange(rms, 0.36e-9, 0.44e-9);
    }
}
