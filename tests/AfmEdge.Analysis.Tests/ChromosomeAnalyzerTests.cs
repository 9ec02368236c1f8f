using AfmEdge.Core;

namespace AfmEdge.Analysis.Tests;

/// <summary>The analysis against the virtual microscope's truth on small frames (fast), and its bad-input behaviour.</summary>
public sealed class ChromosomeAnalyzerTests
{
    [Theory]
    [InlineData(11, 256)]
    [InlineData(15, 256)]
    [InlineData(13, 128)]
    public void Analyze_CleanSimulatedScan_SeparateChromosomesMatchTruth(int seed, int pixels)
    {
        var scan = SimulatedScan.Create(seed, pixels);
        var analysis = new ChromosomeAnalyzer().Analyze(scan.Frame);
        var score = TruthScore.Of(analysis, scan);
        var separate = score.Chromosomes.Where(c => !c.Touching).ToArray();
        Assert.NotEmpty(separate);
        Assert.All(separate, c => Assert.True(c.Iou >= 0.9, $"chromosome {c.Id}: IoU {c.Iou:F3}\n{score.Describe()}"));

        // 3 px at 512² over 20 µm is 117 nm; the same distance in this frame's pixels.
        var limit = 3.0 * pixels / 512 * 2;
        Assert.All(separate, c => Assert.True(c.CentromerePixels <= limit, $"chromosome {c.Id}: centromere off by {c.CentromerePixels:F2} px\n{score.Describe()}"));
        Assert.True(score.MeasuredLabelAccuracy >= 0.9, score.Describe());
    }

    [Fact]
    public void Analyze_CleanSimulatedScan_ArmCorrelationsAndMeansMatchTruth()
    {
        var scan = SimulatedScan.Create(15, 256);
        var analysis = new ChromosomeAnalyzer().Analyze(scan.Frame);
        var score = TruthScore.Of(analysis, scan);
        foreach (var (region, channel, truth, measured) in score.Pearson.Where(p => p.Region is "pArm" or "qArm" or "background"))
        {
            Assert.True(Math.Abs(measured - truth) <= 0.05, $"{region} {channel}: r {measured:F3} vs truth {truth:F3}\n{score.Describe()}");
        }

        foreach (var (region, channel, truth, measured, scale) in score.Means.Where(p => p.Region is "pArm" or "qArm" or "background"))
        {
            Assert.True(Math.Abs(TruthScore.MeanError(truth, measured, scale)) <= 0.02, $"{region} {channel}: mean {measured:G4} vs {truth:G4}\n{score.Describe()}");
        }
    }

    [Fact]
    public void Analyze_PArmIsTheShorterSide_AndIndexBelowHalf()
    {
        var analysis = new ChromosomeAnalyzer().Analyze(SimulatedScan.Create(11, 256).Frame);
        Assert.NotEmpty(analysis.Chromosomes);
        Assert.All(analysis.Chromosomes, c =>
        {
            Assert.True(c.PArmLength <= c.QArmLength);
            Assert.InRange(c.CentromericIndex, 0, 0.5);
            Assert.Equal(c.Length, c.PArmLength + c.QArmLength, 1e-12);
            Assert.True(c.Width is > 0.5e-6 and < 1.6e-6, $"width {c.Width}");
        });
    }

    [Fact]
    public void Analyze_FlatSubstrate_ReportsNoChromosomeAndEveryPixelIsBackground()
    {
        var frame = Synthetic(64, (x, y) => (float)(1e-10 * Math.Sin(x * 0.7) * Math.Cos(y * 0.3)), (x, y) => x + y);
        var analysis = new ChromosomeAnalyzer().Analyze(frame);
        Assert.Empty(analysis.Chromosomes);
        Assert.All(analysis.Labels.ToArray(), l => Assert.Equal(0, l));
        var summary = new FrameAnalyzer(TimeProvider.System).Summarize(analysis);
        Assert.Equal(0, summary.ChromosomeCount);
        Assert.Equal("no chromosome found", summary.Note);
        Assert.Equal(64 * 64, summary.Regions!.Single(r => r.Region == Regions.Background).PixelCount);
    }

    [Fact]
    public void Analyze_SmallLowDebris_IsRejected()
    {
        // A round 30 nm bump: below the chromosome peak height, so debris.
        var frame = Synthetic(128, (x, y) => (float)(30e-9 * Math.Exp(-(((x - 64) * (x - 64)) + ((y - 64) * (y - 64))) / 50.0)), (x, y) => x);
        var analysis = new ChromosomeAnalyzer().Analyze(frame);
        Assert.Empty(analysis.Chromosomes);
        Assert.True(analysis.Segmentation.Rejected >= 1);
    }

    [Fact]
    public void Analyze_LowDebrisAgainstAChromosome_StaysOutOfIt()
    {
        // A 200 nm ridge (elliptical cross-section, rounded ends, 24 px wide) and a 40 nm particle (σ 6 px) lying
        // against its side: the particle's flank must not become part of the chromosome.
        static double Ridge(int x, int y)
        {
            var dx = Math.Max(0, Math.Max(60 - (x + 0.5), (x + 0.5) - 200));
            var dy = (y + 0.5) - 128;
            var u = ((dx * dx) + (dy * dy)) / (12.0 * 12.0);
            return u < 1 ? 200e-9 * Math.Sqrt(1 - u) : 0;
        }

        static double Particle(int x, int y) => 40e-9 * Math.Exp(-((((x + 0.5) - 130) * ((x + 0.5) - 130)) + (((y + 0.5) - 146) * ((y + 0.5) - 146))) / 72.0);
        var frame = Synthetic(256, (x, y) => (float)(Ridge(x, y) + Particle(x, y)), (x, y) => x);
        var analysis = new ChromosomeAnalyzer().Analyze(frame);

        var chromosome = Assert.Single(analysis.Chromosomes);
        var instances = analysis.Segmentation.Instances;
        Assert.Equal(0, instances[(146 * 256) + 130]);
        var footprint = 0;
        for (var y = 0; y < 256; y++)
        {
            for (var x = 0; x < 256; x++)
            {
                footprint += Ridge(x, y) > 0 ? 1 : 0;
            }
        }

        // The ridge itself, plus at most a seam RimWidth (4 px) deep where the particle's flank meets it; the
        // particle reaches ~15 px out above the extent threshold, about 500 px beside the ridge.
        Assert.InRange(chromosome.PixelCount, footprint - 10, footprint + 120);
    }

    [Fact]
    public void Analyze_NoHeightChannel_ThrowsNamingIt()
    {
        var scan = new ScanSettings { SizeX = 1e-6, SizeY = 1e-6, PixelsX = 8, PixelsY = 8, LineRateHz = 1 };
        var frame = new Frame(new FrameId(DateTimeOffset.UnixEpoch, 1), scan, [new Channel(new ChannelDescriptor("Current", PhysicalUnit.Ampere), 8, 8, new float[64])]);
        var e = Assert.Throws<ArgumentException>(() => new ChromosomeAnalyzer().Analyze(frame));
        Assert.Contains("'Height'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_AllNaNChannel_ThrowsNamingIt()
    {
        var frame = Synthetic(16, (x, y) => 0, (x, y) => float.NaN);
        var e = Assert.Throws<ArgumentException>(() => new ChromosomeAnalyzer().Analyze(frame));
        Assert.Contains("'Current'", e.Message, StringComparison.Ordinal);
        Assert.Contains("no finite sample", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_SameFrameTwice_GivesIdenticalIntervals()
    {
        var frame = SimulatedScan.Create(13, 128).Frame;
        var a = new ChromosomeAnalyzer().Analyze(frame).Correlations;
        var b = new ChromosomeAnalyzer().Analyze(frame).Correlations;
        Assert.Equal(a, b);
        Assert.Contains(a, c => c.PearsonLow is not null && c.PearsonLow <= c.Pearson && c.Pearson <= c.PearsonHigh);
    }

    [Fact]
    public void Analyze_IntervalWithTheRim_HoldsTheBootstrapIntervalAndTheCoreR()
    {
        var analysis = new ChromosomeAnalyzer().Analyze(SimulatedScan.Create(13, 128).Frame);
        var correlations = analysis.Correlations;
        var withInterval = correlations.Where(c => c.PearsonLow is not null).ToList();
        Assert.NotEmpty(withInterval);
        Assert.Contains(withInterval, c => c.PearsonCore is not null && c.Region != "background");
        foreach (var c in withInterval)
        {
            Assert.NotNull(c.PearsonSpanLow);
            Assert.NotNull(c.PearsonSpanHigh);
            Assert.True(c.PearsonSpanLow <= c.PearsonLow && c.PearsonHigh <= c.PearsonSpanHigh, $"{c.Region} {c.Channel}: [{c.PearsonSpanLow}, {c.PearsonSpanHigh}] does not hold [{c.PearsonLow}, {c.PearsonHigh}]");
            if (c.PearsonCore is { } core)
            {
                Assert.InRange(core, c.PearsonSpanLow!.Value, c.PearsonSpanHigh!.Value);
            }
            else
            {
                Assert.Equal((-1.0, 1.0), (c.PearsonSpanLow!.Value, c.PearsonSpanHigh!.Value));
            }
        }

        // The regions' differences of r alike: the interval with the rims holds the bootstrap's and the difference of the cores' r.
        var differences = analysis.Differences.Where(d => d.PearsonDifferenceLow is not null).ToList();
        Assert.NotEmpty(differences);
        foreach (var d in differences)
        {
            Assert.True(d.PearsonDifferenceSpanLow <= d.PearsonDifferenceLow && d.PearsonDifferenceHigh <= d.PearsonDifferenceSpanHigh,
                $"{d.Channel} {d.RegionB} − {d.RegionA}: [{d.PearsonDifferenceSpanLow}, {d.PearsonDifferenceSpanHigh}] does not hold [{d.PearsonDifferenceLow}, {d.PearsonDifferenceHigh}]");
            var a = correlations.Single(c => c.Channel == d.Channel && c.Region == d.RegionA);
            var b = correlations.Single(c => c.Channel == d.Channel && c.Region == d.RegionB);
            if (a.PearsonCore is { } coreA && b.PearsonCore is { } coreB)
            {
                Assert.InRange(coreB - coreA, d.PearsonDifferenceSpanLow!.Value - 1e-12, d.PearsonDifferenceSpanHigh!.Value + 1e-12);
            }
            else
            {
                Assert.Equal((-2.0, 2.0), (d.PearsonDifferenceSpanLow!.Value, d.PearsonDifferenceSpanHigh!.Value));
            }
        }

        // Without the bootstrap there is no interval to widen; the core's r is still reported.
        var plain = new ChromosomeAnalyzer(new AnalysisOptions { BootstrapResamples = 0 }).Analyze(SimulatedScan.Create(13, 128).Frame).Correlations;
        Assert.All(plain, c => Assert.Null(c.PearsonSpanLow));
        Assert.Contains(plain, c => c.PearsonCore is not null);
    }

    [Fact]
    public void Analyze_RankCore_SpearmansIntervalWithTheRimHoldsTheBootstrapIntervalAndTheCoreRho()
    {
        var frame = SimulatedScan.Create(13, 128).Frame;
        var ranked = new ChromosomeAnalyzer(new AnalysisOptions { RankCore = true }).Analyze(frame).Correlations;
        var withInterval = ranked.Where(c => c.SpearmanLow is not null).ToList();
        Assert.NotEmpty(withInterval);
        Assert.Contains(withInterval, c => c.SpearmanCore is not null && c.Region != "background");
        foreach (var c in withInterval)
        {
            Assert.True(c.SpearmanSpanLow <= c.SpearmanLow && c.SpearmanHigh <= c.SpearmanSpanHigh, $"{c.Region} {c.Channel}: [{c.SpearmanSpanLow}, {c.SpearmanSpanHigh}] does not hold [{c.SpearmanLow}, {c.SpearmanHigh}]");
            if (c.SpearmanCore is { } core)
            {
                Assert.InRange(core, c.SpearmanSpanLow!.Value, c.SpearmanSpanHigh!.Value);
            }
            else
            {
                Assert.Equal((-1.0, 1.0), (c.SpearmanSpanLow!.Value, c.SpearmanSpanHigh!.Value));
            }
        }

        // Off (the default), nothing else changes: every other figure is the same.
        var plain = new ChromosomeAnalyzer().Analyze(frame).Correlations;
        Assert.All(plain, c => Assert.True(c.SpearmanCore is null && c.SpearmanSpanLow is null && c.SpearmanSpanHigh is null));
        Assert.Equal(plain, ranked.Select(c => c with { SpearmanCore = null, SpearmanSpanLow = null, SpearmanSpanHigh = null }));
    }

    [Fact]
    public void Analyze_BackgroundCore_StartsPastTheMoatAScanLeavesBesideTheChromosomes()
    {
        // A clean frame, then a moat as a fast scan's feedback leaves it: the background 1–6 px from a chromosome 2 σ low in
        // height and in Current alike. Over every background pixel r moves far from the clean frame's; past the moat it does not.
        var clean = SimulatedScan.Create(11, 256).Frame;
        var labels = new ChromosomeAnalyzer().Analyze(clean).Labels.ToArray();
        var distance = Distances(labels, clean.Width, clean.Height);
        var moat = (float[] values) =>
        {
            var background = values.Where((_, p) => labels[p] == 0).ToArray();
            var mean = background.Average(v => (double)v);
            var sd = Math.Sqrt(background.Average(v => (v - mean) * (v - mean)));
            return values.Select((v, p) => labels[p] == 0 && distance[p] is >= 1 and <= 6 ? (float)(v - (2 * sd)) : v).ToArray();
        };
        var frame = new Frame(clean.Id, clean.Scan, [.. clean.Channels.Select(c => c.Name is "Height" or "Current"
            ? new Channel(c.Descriptor, c.Width, c.Height, moat(c.Data.ToArray())) : c)]);

        var truth = new ChromosomeAnalyzer().Analyze(clean).Correlations.Single(c => c.Region == "background" && c.Channel == "Current").Pearson!.Value;
        var reaching = new ChromosomeAnalyzer().Analyze(frame).Correlations;
        var current = reaching.Single(c => c.Region == "background" && c.Channel == "Current");
        Assert.True(Math.Abs(current.Pearson!.Value - truth) > 0.1, $"the moat should move r over every pixel: {current.Pearson:F3} against {truth:F3}");
        Assert.InRange(current.CoreDepth!.Value, 6, 8);
        Assert.True(Math.Abs(current.PearsonCore!.Value - truth) < 0.05, $"past the moat r {current.PearsonCore:F3} against {truth:F3}");
        Assert.InRange(truth, current.PearsonSpanLow!.Value, current.PearsonSpanHigh!.Value);

        // Where the rims are mixed, the background's r to read is its far core's: its heights in the moat are not the substrate's.
        Assert.Equal(current.PearsonCore, current.PearsonFromCore);
        Assert.All(reaching.Where(c => c.Region != "background"), c => Assert.Equal(new AnalysisOptions().CoreDepth, c.CoreDepth));

        // Reach 0: the background's rim as deep as every region's, and every figure but the background's core r the same.
        var uniform = new ChromosomeAnalyzer(new AnalysisOptions { BackgroundCoreReach = 0 }).Analyze(frame).Correlations;
        Assert.All(uniform, c => Assert.Equal(2, c.CoreDepth));
        Assert.True(Math.Abs(uniform.Single(c => c.Region == "background" && c.Channel == "Current").PearsonCore!.Value - truth) > 0.1);
        Assert.Equal(
            uniform.Where(c => c.Region != "background"),
            reaching.Where(c => c.Region != "background"));
        Assert.Equal(
            uniform.Where(c => c.Region == "background").Select(c => c with { PearsonCore = null, PearsonSpanLow = null, PearsonSpanHigh = null, CoreDepth = null, PearsonFromCore = null, MeanFromCore = null }),
            reaching.Where(c => c.Region == "background").Select(c => c with { PearsonCore = null, PearsonSpanLow = null, PearsonSpanHigh = null, CoreDepth = null, PearsonFromCore = null, MeanFromCore = null }));
    }

    [Theory]
    [InlineData(0.5, 0.0, 1)] // the first ring mixed: the line goes through every pair off it
    [InlineData(0.5, 0.5, 2)] // the second too (an interpolated frame's edges): through the core alone
    public void Analyze_RimsMixedWithTheSubstrate_AreJudgedMixedAndReadFromTheInside(double firstRing, double secondRing, int lineDepth)
    {
        // A clean frame's rims lie on their lines: not mixed, and r and the means as measured are the ones to read.
        var clean = SimulatedScan.Create(15, 256).Frame;
        var exact = new ChromosomeAnalyzer().Analyze(clean);
        Assert.False(exact.RimMixing!.Mixed, $"clean frame scored {exact.RimMixing.Score:F2}");
        Assert.Equal(1, exact.RimMixing.LineDepth);
        Assert.All(exact.Correlations.Where(c => c.Region is "pArm" or "qArm"), c => Assert.NotNull(c.PearsonFromCore));

        // Then each chromosome's first rings mixed with the substrate's fields, as a scan's dwell and lags mix them (that share
        // of the way to the background's mean): r and the means over every pixel move off the clean frame's.
        var labels = exact.Labels.ToArray();
        var distance = Distances(labels.Select(l => (byte)(l == 0 ? 1 : 0)).ToArray(), clean.Width, clean.Height);
        var mix = (float[] values) =>
        {
            var substrate = values.Where((_, p) => labels[p] == 0).Average(v => (double)v);
            return values.Select((v, p) => labels[p] == 0 || distance[p] > 2 ? v
                : (float)(v + ((distance[p] == 1 ? firstRing : secondRing) * (substrate - v)))).ToArray();
        };
        var frame = new Frame(clean.Id, clean.Scan, [.. clean.Channels.Select(c => c.Name is "Current" or "Potential" or "Adhesion"
            ? new Channel(c.Descriptor, c.Width, c.Height, mix(c.Data.ToArray())) : c)]);
        var mixed = new ChromosomeAnalyzer().Analyze(frame);
        Assert.True(mixed.RimMixing!.Mixed, $"mixed frame scored {mixed.RimMixing.Score:F2}");
        Assert.True(lineDepth == mixed.RimMixing.LineDepth, $"line {mixed.RimMixing.LineDepth} px in, the deeper rim scored {mixed.RimMixing.DeeperScore:F2}");

        double plainError = 0, fromCoreError = 0;
        var cells = 0;
        foreach (var truth in exact.Correlations.Where(c => c.Region is "pArm" or "qArm"))
        {
            var measured = mixed.Correlations.Single(c => c.Region == truth.Region && c.Channel == truth.Channel);
            plainError += Math.Abs(measured.Pearson!.Value - truth.Pearson!.Value);
            fromCoreError += Math.Abs(measured.PearsonFromCore!.Value - truth.Pearson!.Value);
            var trueMean = exact.Statistics.Single(s => s.Region == truth.Region && s.Channel == truth.Channel).Mean!.Value;
            var plainMean = mixed.Statistics.Single(s => s.Region == truth.Region && s.Channel == truth.Channel).Mean!.Value;
            Assert.True(Math.Abs(measured.MeanFromCore!.Value - trueMean) < Math.Abs(plainMean - trueMean) / 3,
                $"{truth.Region} {truth.Channel}: mean from the inside {measured.MeanFromCore:G4}, as measured {plainMean:G4}, clean {trueMean:G4}");
            cells++;
        }

        // r's interval with the rim takes in the estimate from the inside, wherever there is one.
        Assert.All(mixed.Correlations.Where(c => c.PearsonFromCore is not null && c.PearsonSpanLow is not null),
            c => Assert.InRange(c.PearsonFromCore!.Value, c.PearsonSpanLow!.Value, c.PearsonSpanHigh!.Value));

        Assert.True(fromCoreError < plainError / 1.5, $"mean |Δr| over the arms: from the inside {fromCoreError / cells:F3}, as measured {plainError / cells:F3}");
        Assert.True(fromCoreError / cells < 0.1, $"mean |Δr| from the inside {fromCoreError / cells:F3}, as measured {plainError / cells:F3}");
    }

    [Fact]
    public void Analyze_LineOffsets_AreJudgedAgainstTheSubstrateAndTakenOutOfTheStatistics()
    {
        // A clean frame's lines are not offset: every channel judged, none aligned, the statistics as with alignment off.
        var clean = SimulatedScan.Create(15, 256).Frame;
        var exact = new ChromosomeAnalyzer().Analyze(clean);
        Assert.Equal(["Height", "Current", "Potential", "Adhesion"], exact.RowOffsets.Select(o => o.Channel));
        Assert.All(exact.RowOffsets, o => Assert.False(o.Aligned, $"{o.Channel}: ratio {o.JumpRatio:F2}"));
        Assert.All(exact.RowOffsets, o => Assert.InRange(o.JumpRatio!.Value, 0.5, 1.5));
        var off = new ChromosomeAnalyzer(new AnalysisOptions { AlignRowsToSubstrate = false });
        Assert.Empty(off.Analyze(clean).RowOffsets);
        Assert.Equal(off.Analyze(clean).Correlations, exact.Correlations);

        // Each line offset in every field by 1.5 times the substrate's own spread, as a scan's lines are (the simulator's
        // Potential: 5 mV per line against the substrate's 5 mV).
        var labels = exact.Labels.ToArray();
        var random = new Random(3);
        var offsetSd = new Dictionary<string, double>();
        var frame = new Frame(clean.Id, clean.Scan, [.. clean.Channels.Select(c =>
        {
            if (c.Name is not ("Current" or "Potential" or "Adhesion"))
            {
                return c;
            }

            var data = c.Data.ToArray();
            var substrate = data.Where((_, p) => labels[p] == 0).Select(v => (double)v).ToArray();
            var mean = substrate.Average();
            offsetSd[c.Name] = 1.5 * Math.Sqrt(substrate.Average(v => (v - mean) * (v - mean)));
            var offsets = Enumerable.Range(0, c.Height).Select(_ => offsetSd[c.Name] * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())).ToArray();
            return new Channel(c.Descriptor, c.Width, c.Height, [.. data.Select((v, p) => (float)(v + offsets[p / c.Width]))]);
        })]);
        var before = frame.GetChannel("Potential").Data.ToArray();
        var aligned = new ChromosomeAnalyzer().Analyze(frame);
        var asMeasured = off.Analyze(frame);

        Assert.False(aligned.RowOffsets[0].Aligned, $"Height: ratio {aligned.RowOffsets[0].JumpRatio:F2}");
        foreach (var judged in aligned.RowOffsets.Skip(1))
        {
            Assert.True(judged.Aligned, $"{judged.Channel}: ratio {judged.JumpRatio:F2}");
            Assert.InRange(judged.OffsetSd!.Value, 0.6 * offsetSd[judged.Channel], 1.4 * offsetSd[judged.Channel]);
        }

        // The frame itself is not changed; the statistics read it without the offsets, nearer the clean frame's than as measured.
        Assert.Equal(before, frame.GetChannel("Potential").Data.ToArray());
        double alignedError = 0, measuredError = 0;
        foreach (var truth in exact.Correlations.Where(c => c.Pearson is not null))
        {
            alignedError += Math.Abs(aligned.Correlations.Single(c => c.Region == truth.Region && c.Channel == truth.Channel).Pearson!.Value - truth.Pearson!.Value);
            measuredError += Math.Abs(asMeasured.Correlations.Single(c => c.Region == truth.Region && c.Channel == truth.Channel).Pearson!.Value - truth.Pearson!.Value);
        }

        Assert.True(alignedError < measuredError / 2, $"Σ|Δr| aligned {alignedError:F3}, as measured {measuredError:F3}");

        // The local-correlation map reads what the statistics read: nearer the clean frame's than the frame's as scanned.
        var cleanMap = exact.LocalCorrelationMap("Potential");
        double Distance(float[] map) => map.Zip(cleanMap).Where(p => float.IsFinite(p.First) && float.IsFinite(p.Second)).Average(p => Math.Abs(p.First - p.Second));
        var (alignedMap, measuredMap) = (Distance(aligned.LocalCorrelationMap("Potential")), Distance(asMeasured.LocalCorrelationMap("Potential")));
        Assert.True(alignedMap < measuredMap / 2, $"mean |Δ| of the local r map: aligned {alignedMap:F3}, as measured {measuredMap:F3}");
    }

    /// <summary>4-connected steps from each pixel to the nearest pixel of a chromosome (0 on one).</summary>
    private static int[] Distances(byte[] labels, int width, int rows)
    {
        var distance = labels.Select(l => l == 0 ? int.MaxValue : 0).ToArray();
        var queue = new Queue<int>(Enumerable.Range(0, labels.Length).Where(p => labels[p] != 0));
        while (queue.TryDequeue(out var p))
        {
            int x = p % width, y = p / width;
            foreach (var q in new[] { x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, y > 0 ? p - width : -1, y < rows - 1 ? p + width : -1 })
            {
                if (q >= 0 && distance[q] == int.MaxValue)
                {
                    distance[q] = distance[p] + 1;
                    queue.Enqueue(q);
                }
            }
        }

        return distance;
    }

    [Fact]
    public void Options_Invalid_NamesTheField()
    {
        var e = Assert.Throws<ArgumentException>(() => new ChromosomeAnalyzer(new AnalysisOptions { SplitSaddleRatio = 1.5 }));
        Assert.Contains("SplitSaddleRatio", e.Message, StringComparison.Ordinal);
    }

    internal static Frame Synthetic(int size, Func<int, int, float> height, Func<int, int, float> current)
    {
        var h = new float[size * size];
        var c = new float[size * size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                h[(y * size) + x] = height(x, y);
                c[(y * size) + x] = current(x, y);
            }
        }

        var scan = new ScanSettings { SizeX = 10e-6, SizeY = 10e-6, PixelsX = size, PixelsY = size, LineRateHz = 1 };
        return new Frame(new FrameId(DateTimeOffset.UnixEpoch, 1), scan,
        [
            new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), size, size, h),
            new Channel(new ChannelDescriptor("Current", PhysicalUnit.Ampere), size, size, c),
        ]);
    }
}

/// <summary>Odd frames the host may meet: the analysis either succeeds or throws an ArgumentException (the stage logs and skips it).</summary>
public sealed class ChromosomeAnalyzerRobustnessTests
{
    [Theory]
    [InlineData(8, 0)]
    [InlineData(33, 1)]
    [InlineData(64, 2)]
    [InlineData(96, 3)]
    public void Analyze_NoiseSpikesAndHoles_NeverThrowsAnythingElse(int size, int seed)
    {
        var random = new Random(seed);
        var frame = ChromosomeAnalyzerTests.Synthetic(size,
            (x, y) => random.Next(50) == 0 ? float.NaN : random.Next(30) == 0 ? 300e-9f : (float)(random.NextDouble() * 2e-7),
            (x, y) => random.Next(40) == 0 ? float.PositiveInfinity : (float)random.NextDouble());
        var summary = new FrameAnalyzer(TimeProvider.System).Analyze(frame);
        Assert.NotNull(summary.ChromosomeCount);
        Assert.Equal(4, summary.Regions!.Count);
    }

    [Fact]
    public void Analyze_ConstantHeight_FindsNothing()
    {
        var frame = ChromosomeAnalyzerTests.Synthetic(32, (x, y) => 5e-8f, (x, y) => x);
        Assert.Empty(new ChromosomeAnalyzer().Analyze(frame).Chromosomes);
    }

    [Fact]
    public void Analyze_BlockTouchingTheEdges_IsMeasuredWithoutError()
    {
        // A 200 nm high bar across the whole frame: an object cut by the scan's edges.
        var frame = ChromosomeAnalyzerTests.Synthetic(64, (x, y) => y is > 20 and < 30 ? 200e-9f : 0f, (x, y) => x + y);
        var analysis = new ChromosomeAnalyzer().Analyze(frame);
        Assert.Single(analysis.Chromosomes);
        Assert.InRange(analysis.Chromosomes[0].Length, 9e-6, 11e-6);
    }
}
