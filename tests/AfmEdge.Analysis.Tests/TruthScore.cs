using AfmEdge.Analysis;
using AfmEdge.Core;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;
using AfmEdge.Simulation.Truth;

namespace AfmEdge.Analysis.Tests;

/// <summary>A simulated scan with its truth, and how an analysis of it scores against that truth.</summary>
internal sealed record SimulatedScan(Frame Frame, Frame CleanFrame, TruthMaps Maps, SpecimenTruth Truth)
{
    public const double FieldSize = 20e-6;

    /// <summary>The specimen of <paramref name="seed"/> scanned at half of <paramref name="pixels"/> and enlarged ×2 by bicubic interpolation; truth at full size.</summary>
    public static SimulatedScan HalfResolution(long seed, int pixels, SpecimenOptions? options = null)
    {
        var full = Create(seed, pixels, options: options);
        var half = Create(seed, pixels / 2, options: options);
        var enlarged = new AfmEdge.Inference.BicubicUpsampler().Enhance(half.Frame);
        return full with { Frame = enlarged };
    }

    public static SimulatedScan Create(long seed, int pixels, bool clean = true, SpecimenOptions? options = null)
    {
        var specimen = new ChromosomeSpecimen(seed, options ?? new SpecimenOptions());
        var scan = new ScanSettings { SizeX = FieldSize, SizeY = FieldSize, PixelsX = pixels, PixelsY = pixels, LineRateHz = 2 };
        var instrument = new InstrumentOptions();
        var cleanFrame = IdealScan.Render(specimen, scan, instrument, new RenderOptions { Clean = true, IncludeRetrace = false });
        var maps = TruthMaps.Render(specimen, scan);
        var truth = SpecimenTruth.Compute(specimen, scan, instrument, true, cleanFrame, maps);
        var frame = clean ? cleanFrame : IdealScan.Render(specimen, scan, instrument, new RenderOptions { IncludeRetrace = false, NoiseSeed = seed });
        return new SimulatedScan(frame, cleanFrame, maps, truth);
    }
}

/// <summary>Per chromosome: IoU with the best-overlapping found object and centromere distance (px); label accuracy; per-region r and mean errors.</summary>
internal sealed record TruthScore(
    IReadOnlyList<(int Id, double Iou, double CentromerePixels, bool Touching)> Chromosomes,
    double LabelAccuracy,
    double MeasuredLabelAccuracy,
    IReadOnlyList<(string Region, string Channel, double Truth, double Measured)> Pearson,
    IReadOnlyList<(string Region, string Channel, double Truth, double Measured, double Scale)> Means)
{
    public static TruthScore Of(ChromosomeAnalysis analysis, SimulatedScan scan)
    {
        var maps = scan.Maps;
        var truthIds = maps.Instances.Span;
        var truthLabels = maps.Labels.Span;
        var found = analysis.Segmentation.Instances;
        var width = maps.Width;
        var pixel = scan.Frame.PixelSizeX;
        var chromosomes = new List<(int, double, double, bool)>();
        foreach (var truth in scan.Truth.Chromosomes.Where(c => c.PixelCount > 0))
        {
            // The found object overlapping this chromosome most.
            var overlap = new Dictionary<int, int>();
            var touching = false;
            for (var i = 0; i < truthIds.Length; i++)
            {
                if (truthIds[i] != truth.Id)
                {
                    continue;
                }

                if (found[i] > 0)
                {
                    overlap[found[i]] = overlap.GetValueOrDefault(found[i]) + 1;
                }

                var x = i % width;
                var y = i / width;
                foreach (var (dx, dy) in new[] { (1, 0), (-1, 0), (0, 1), (0, -1) })
                {
                    var xx = x + dx;
                    var yy = y + dy;
                    if (xx >= 0 && xx < width && yy >= 0 && yy < maps.Height && truthIds[(yy * width) + xx] is var other && other != 0 && other != truth.Id)
                    {
                        touching = true;
                    }
                }
            }

            if (overlap.Count == 0)
            {
                chromosomes.Add((truth.Id, 0, double.PositiveInfinity, touching));
                continue;
            }

            var best = overlap.MaxBy(p => p.Value).Key;
            var foundCount = 0;
            foreach (var f in found)
            {
                foundCount += f == best ? 1 : 0;
            }

            var iou = overlap[best] / (double)(truth.PixelCount + foundCount - overlap[best]);
            var measured = analysis.Chromosomes[best - 1].Centromere;
            var distance = Math.Sqrt(Math.Pow(measured.X - truth.Centromere.X, 2) + Math.Pow(measured.Y - truth.Centromere.Y, 2)) / pixel;
            chromosomes.Add((truth.Id, iou, distance, touching));
        }

        var labels = analysis.Labels;
        int inside = 0, right = 0;
        for (var i = 0; i < truthLabels.Length; i++)
        {
            if (truthIds[i] != 0)
            {
                inside++;
                right += labels[i] == truthLabels[i] ? 1 : 0;
            }
        }

        // The truth the analysis can be held to: the chromosomes it measured (matched with IoU >= 0.5 to an
        // object that is not a merged cluster), with the true labels on the clean fields; the arms only of those
        // whose p and q arms it could tell apart (it leaves the others' arms out, as it says in ArmsAssigned).
        var measuredIds = new HashSet<int>();
        var armsIds = new HashSet<int>();
        foreach (var truth in scan.Truth.Chromosomes.Where(c => c.PixelCount > 0))
        {
            var overlap = new Dictionary<int, int>();
            for (var i = 0; i < truthIds.Length; i++)
            {
                if (truthIds[i] == truth.Id && found[i] > 0)
                {
                    overlap[found[i]] = overlap.GetValueOrDefault(found[i]) + 1;
                }
            }

            if (overlap.Count > 0 && analysis.Chromosomes[overlap.MaxBy(p => p.Value).Key - 1] is { IsCluster: false } match
                && chromosomes.Single(c => c.Item1 == truth.Id).Item2 >= 0.5)
            {
                measuredIds.Add(truth.Id);
                if (match.ArmsAssigned)
                {
                    armsIds.Add(truth.Id);
                }
            }
        }

        int measuredInside = 0, measuredRight = 0;
        for (var i = 0; i < truthLabels.Length; i++)
        {
            if (measuredIds.Contains(truthIds[i]))
            {
                measuredInside++;
                measuredRight += labels[i] == truthLabels[i] ? 1 : 0;
            }
        }

        var pearson = new List<(string, string, double, double)>();
        var means = new List<(string, string, double, double, double)>();
        var clean = scan.CleanFrame;
        var height = clean.GetChannel("Height").Data.ToArray();
        foreach (var channel in new[] { "Height", "Current", "Potential", "Adhesion" })
        {
            var data = clean.GetChannel(channel).Data.ToArray();
            var scale = scan.Truth.PooledRegions.Where(p => p.Channel == channel).Max(p => Math.Abs(p.Mean));
            for (var label = 0; label < 4; label++)
            {
                var xs = new List<float>();
                var ys = new List<float>();
                for (var i = 0; i < truthLabels.Length; i++)
                {
                    if (truthLabels[i] == label && (label == 0 ? truthIds[i] == 0 : (label == 2 ? measuredIds : armsIds).Contains(truthIds[i])))
                    {
                        xs.Add(height[i]);
                        ys.Add(data[i]);
                    }
                }

                if (xs.Count < 3)
                {
                    continue;
                }

                var region = Regions.ByLabel[label];
                var stats = analysis.Statistics.Single(s => s.Region == region && s.Channel == channel);
                means.Add((region, channel, ys.Average(v => (double)v), stats.Mean ?? double.NaN, scale));
                if (channel != "Height")
                {
                    var measured = analysis.Correlations.Single(c => c.Region == region && c.Channel == channel).Pearson ?? double.NaN;
                    pearson.Add((region, channel, Correlation.Pearson(xs.ToArray(), ys.ToArray()).R, measured));
                }
            }
        }

        return new TruthScore(chromosomes, inside > 0 ? right / (double)inside : double.NaN,
            measuredInside > 0 ? measuredRight / (double)measuredInside : double.NaN, pearson, means);
    }

    /// <summary>Mean error relative to the true mean, or to the channel's largest region mean where the true mean is near zero (substrate height, background potential).</summary>
    public static double MeanError(double truth, double measured, double scale) => (measured - truth) / Math.Max(Math.Abs(truth), 0.05 * scale);

    public string Describe()
    {
        var lines = new List<string>();
        lines.Add($"label accuracy inside all chromosomes {LabelAccuracy:P2}, inside measured (non-cluster) chromosomes {MeasuredLabelAccuracy:P2}");
        foreach (var (id, iou, cen, touching) in Chromosomes)
        {
            lines.Add($"  chromosome {id}: IoU {iou:F3}, centromere {cen:F2} px{(touching ? " (touching)" : string.Empty)}");
        }

        foreach (var (region, channel, truth, measured) in Pearson)
        {
            lines.Add($"  r {region,-10} {channel,-9} truth {truth,7:F3} measured {measured,7:F3} Δ {measured - truth,7:F3}");
        }

        foreach (var (region, channel, truth, measured, scale) in Means)
        {
            lines.Add($"  mean {region,-10} {channel,-9} truth {truth,11:G4} measured {measured,11:G4} error {MeanError(truth, measured, scale),8:P2}");
        }

        return string.Join(Environment.NewLine, lines);
    }
}
