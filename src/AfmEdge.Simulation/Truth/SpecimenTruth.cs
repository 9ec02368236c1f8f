using System.Text.Json;
using System.Text.Json.Serialization;
using AfmEdge.Core;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Simulation.Truth;

/// <summary>A position in metres in scan coordinates: from the scan's origin corner along the fast (X) and slow (Y) axes, as <see cref="Frame.PixelCentre"/> measures.</summary>
public sealed record PointM(double X, double Y);

/// <summary>One chromosome's geometry, in scan coordinates (metres).</summary>
public sealed record ChromosomeTruth
{
    public required int Id { get; init; }

    /// <summary>The axis from the p telomere to the q telomere.</summary>
    public required IReadOnlyList<PointM> Axis { get; init; }

    public required PointM Centromere { get; init; }
    public required double Length { get; init; }
    public required double PArmLength { get; init; }
    public required double QArmLength { get; init; }
    public required double CentromericIndex { get; init; }
    public required double Width { get; init; }
    public required double Height { get; init; }

    /// <summary>Pixels of the scan where this chromosome is on top (0 when it lies outside the scan).</summary>
    public required int PixelCount { get; init; }
}

/// <summary>
/// The true statistics of one channel over one region of one chromosome (ChromosomeId 0: pooled over all
/// chromosomes), computed on the clean fields at the scan's pixel centres.
/// </summary>
public sealed record RegionChannelTruth
{
    public required int ChromosomeId { get; init; }
    public required SpecimenRegion Region { get; init; }
    public required string Channel { get; init; }
    public required string Unit { get; init; }
    public required int PixelCount { get; init; }
    public required double Mean { get; init; }

    /// <summary>Pearson r with height; null where either has no variance.</summary>
    public double? PearsonR { get; init; }

    /// <summary>What the specimen options asked for (not set for Height).</summary>
    public double? RequestedMean { get; init; }

    public double? RequestedPearsonR { get; init; }
}

/// <summary>
/// Everything needed to judge an analysis of one simulated scan: the chromosomes' geometry, the true
/// per-region means and correlations, and the options that made the specimen and the instrument.
/// Serialises to camelCase JSON (truth.json).
/// </summary>
public sealed record SpecimenTruth
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public required long Seed { get; init; }

    /// <summary>Whether the frame this truth accompanies was rendered clean (no instrument effects).</summary>
    public required bool Clean { get; init; }

    public required ScanSettings Scan { get; init; }
    public required SpecimenOptions Specimen { get; init; }

    /// <summary>The instrument parameters used (null for a clean render).</summary>
    public InstrumentOptions? Instrument { get; init; }

    public required IReadOnlyList<ChromosomeTruth> Chromosomes { get; init; }

    /// <summary>Per chromosome × region × channel (regions the scan does not show are left out).</summary>
    public required IReadOnlyList<RegionChannelTruth> Regions { get; init; }

    /// <summary>Per region × channel, pooled over chromosomes (ChromosomeId 0).</summary>
    public required IReadOnlyList<RegionChannelTruth> PooledRegions { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static SpecimenTruth FromJson(string json) =>
        JsonSerializer.Deserialize<SpecimenTruth>(json, Json) ?? throw new JsonException("truth.json holds null.");

    /// <summary>
    /// Computes the truth of <paramref name="specimen"/> scanned with <paramref name="scan"/> from its clean
    /// fields (rendered here unless <paramref name="cleanFrame"/> is given) and its label maps.
    /// </summary>
    public static SpecimenTruth Compute(
        ChromosomeSpecimen specimen, ScanSettings scan, InstrumentOptions? instrument, bool clean, Frame? cleanFrame = null, TruthMaps? maps = null)
    {
        ArgumentNullException.ThrowIfNull(specimen);
        ArgumentNullException.ThrowIfNull(scan);
        cleanFrame ??= IdealScan.Render(specimen, scan, instrument ?? new InstrumentOptions(), new RenderOptions { Clean = true, IncludeRetrace = false });
        maps ??= TruthMaps.Render(specimen, scan);
        if (cleanFrame.Width != maps.Width || cleanFrame.Height != maps.Height)
        {
            throw new ArgumentException(
                $"The clean frame is {cleanFrame.Width}×{cleanFrame.Height} but the truth maps are {maps.Width}×{maps.Height}.", nameof(maps));
        }

        var chromosomeCount = specimen.Chromosomes.Count;
        var names = SimulatedChannels.Names;

        // Accumulators per (chromosome 0..n, region 0..3): count, Σh, Σh², then per channel Σf, Σf², Σfh.
        const int PerChannel = 3;
        var stride = 3 + (PerChannel * names.Count);
        var sums = new double[(chromosomeCount + 1) * 4 * stride];
        var height = cleanFrame.GetChannel(SimulatedChannels.Height).Data;
        var fields = new float[names.Count][];
        for (var c = 0; c < names.Count; c++)
        {
            fields[c] = cleanFrame.GetChannel(names[c]).Data.ToArray();
        }

        var labels = maps.Labels.Span;
        var instances = maps.Instances.Span;
        for (var p = 0; p < height.Length; p++)
        {
            var h = (double)height[p];
            var slot = sums.AsSpan(((instances[p] * 4) + labels[p]) * stride, stride);
            slot[0] += 1;
            slot[1] += h;
            slot[2] += h * h;
            for (var c = 0; c < names.Count; c++)
            {
                var f = (double)fields[c][p];
                slot[3 + (PerChannel * c)] += f;
                slot[4 + (PerChannel * c)] += f * f;
                slot[5 + (PerChannel * c)] += f * h;
            }
        }

        var geometry = new ScanGeometry(scan);
        var chromosomes = new List<ChromosomeTruth>(chromosomeCount);
        var regions = new List<RegionChannelTruth>();
        var pooled = new double[4 * stride];
        foreach (var chromosome in specimen.Chromosomes)
        {
            var pixels = 0;
            for (var region = 1; region <= 3; region++)
            {
                var slot = sums.AsSpan(((chromosome.Id * 4) + region) * stride, stride);
                pixels += (int)slot[0];
                AddTo(pooled.AsSpan(region * stride, stride), slot);
                if (slot[0] > 0)
                {
                    AddRegion(regions, specimen, chromosome.Id, (SpecimenRegion)region, slot);
                }
            }

            chromosomes.Add(new ChromosomeTruth
            {
                Id = chromosome.Id,
                Axis = [.. chromosome.Axis.Select(p => ToScan(geometry, p.X, p.Y))],
                Centromere = ToScan(geometry, chromosome.Centromere.X, chromosome.Centromere.Y),
                Length = chromosome.Length,
                PArmLength = chromosome.PArmLength,
                QArmLength = chromosome.QArmLength,
                CentromericIndex = chromosome.CentromericIndex,
                Width = chromosome.Width,
                Height = chromosome.Height,
                PixelCount = pixels,
            });
        }

        AddTo(pooled.AsSpan(0, stride), sums.AsSpan(0, stride));
        var pooledRegions = new List<RegionChannelTruth>();
        for (var region = 0; region <= 3; region++)
        {
            var slot = pooled.AsSpan(region * stride, stride);
            if (slot[0] > 0)
            {
                AddRegion(pooledRegions, specimen, 0, (SpecimenRegion)region, slot);
            }
        }

        return new SpecimenTruth
        {
            Seed = specimen.Seed,
            Clean = clean,
            Scan = scan,
            Specimen = specimen.Options,
            Instrument = clean ? null : instrument,
            Chromosomes = chromosomes,
            Regions = regions,
            PooledRegions = pooledRegions,
        };
    }

    private static PointM ToScan(ScanGeometry geometry, double x, double y)
    {
        var (u, v) = geometry.ToScan(x, y);
        return new PointM(u, v);
    }

    private static void AddTo(Span<double> target, ReadOnlySpan<double> source)
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] += source[i];
        }
    }

    private static void AddRegion(List<RegionChannelTruth> list, ChromosomeSpecimen specimen, int chromosomeId, SpecimenRegion region, ReadOnlySpan<double> slot)
    {
        var n = slot[0];
        var meanH = slot[1] / n;
        var varH = (slot[2] / n) - (meanH * meanH);
        var names = SimulatedChannels.Names;
        for (var c = 0; c < names.Count; c++)
        {
            var mean = slot[3 + (3 * c)] / n;
            var variance = (slot[4 + (3 * c)] / n) - (mean * mean);
            var covariance = (slot[5 + (3 * c)] / n) - (mean * meanH);
            double? r = varH > 0 && variance > 0 ? Math.Clamp(covariance / Math.Sqrt(varH * variance), -1, 1) : null;
            RegionField? requested = c == 0 ? null : specimen.Options.Fields.For(names[c]).For(region);
            list.Add(new RegionChannelTruth
            {
                ChromosomeId = chromosomeId,
                Region = region,
                Channel = names[c],
                Unit = SimulatedChannels.UnitOf(names[c]).Symbol,
                PixelCount = (int)n,
                Mean = mean,
                PearsonR = r,
                RequestedMean = requested?.Mean,
                RequestedPearsonR = requested?.Correlation,
            });
        }
    }
}
