namespace AfmEdge.Simulation.Specimens;

/// <summary>
/// A metaphase chromosome spread on a flat substrate: a deterministic function of a seed and of physical
/// position. Nothing depends on a pixel grid: the per-region field statistics are taken on the
/// specimen's own reference grid (<see cref="SpecimenOptions.ReferenceGridPixels"/> over the field), so
/// the same seed scanned at any resolution is the same specimen.
/// </summary>
/// <remarks>
/// Height is substrate roughness + debris + the chromosomes' heights (a chromosome lying across another is
/// draped over it, so heights add; the later one is on top and owns the labels there). Each field over a
/// group (background, or one region of one chromosome) is <c>A + B·height + C·n</c>, where n is the
/// channel's own smooth random field. The coefficients are solved on the reference grid so that, per
/// region, the mean is the requested mean, the standard deviation the requested scale and the Pearson r
/// with height the requested r, both pooled over all chromosomes and within each chromosome: n is
/// orthogonalised against height within each group, and a per-chromosome offset orthogonal to the
/// chromosomes' mean heights restores the pooled variance. With fewer than three chromosomes showing a
/// region that offset does not exist, and only the per-chromosome values are exact.
/// </remarks>
public sealed class ChromosomeSpecimen : ISpecimen
{
    private const int FieldCount = 3;
    private const int StatsPerGroup = 3 + (3 * FieldCount);

    private readonly Chromosome[] _chromosomes;
    private readonly Debris[] _debris;
    private readonly ValueNoise2D _substrate;
    private readonly ValueNoise2D[] _fieldNoise;
    private double _substrateScale;

    // Per channel and group: field = A + B·height + C·noise. Index (channel * groups + group) * 3.
    private double[] _coefficients = [];

    public ChromosomeSpecimen(long seed, SpecimenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        Seed = seed;
        Options = options;
        _chromosomes = PlaceChromosomes(seed, options);
        _debris = PlaceDebris(seed, options);
        _substrate = new ValueNoise2D(Hashing.Stream(seed, 3), options.SubstrateCorrelationLength, 2);
        _fieldNoise = new ValueNoise2D[FieldCount];
        for (var c = 0; c < FieldCount; c++)
        {
            var field = options.Fields.For(SimulatedChannels.Names[c + 1]);
            _fieldNoise[c] = new ValueNoise2D(Hashing.Stream(seed, 10 + (ulong)c), field.CorrelationLength, 2);
        }

        Calibrate();
    }

    public long Seed { get; }

    public SpecimenOptions Options { get; }

    public IReadOnlyList<Chromosome> Chromosomes => _chromosomes;

    /// <summary>Groups: 0 = background, then three per chromosome (p arm, centromere, q arm).</summary>
    private int GroupCount => 1 + (3 * _chromosomes.Length);

    public SpecimenPoint Sample(double x, double y)
    {
        var height = Topography(x, y, out var region, out var instance, _substrate.Sample(x, y));
        var group = GroupOf(region, instance);
        var groups = GroupCount;
        var current = Field(0, group, groups, height, _fieldNoise[0].Sample(x, y));
        var potential = Field(1, group, groups, height, _fieldNoise[1].Sample(x, y));
        var adhesion = Field(2, group, groups, height, _fieldNoise[2].Sample(x, y));
        return new SpecimenPoint(height, current, potential, adhesion, region, instance);
    }

    /// <summary>
    /// Samples <paramref name="output"/>.Length points from (x0, y0) in steps of (dx, dy): exactly what
    /// <see cref="Sample"/> returns at each, but with the noise lattice shared between neighbours.
    /// </summary>
    public void SampleLine(double x0, double y0, double dx, double dy, Span<SpecimenPoint> output)
    {
        // One cache entry per octave: substrate, then the three fields.
        Span<NoiseCell> cells = stackalloc NoiseCell[16];
        cells.Clear();
        var substrateCells = cells[..4];
        var currentCells = cells.Slice(4, 4);
        var potentialCells = cells.Slice(8, 4);
        var adhesionCells = cells.Slice(12, 4);
        var groups = GroupCount;
        for (var i = 0; i < output.Length; i++)
        {
            var x = x0 + (i * dx);
            var y = y0 + (i * dy);
            var height = Topography(x, y, out var region, out var instance, _substrate.Sample(x, y, substrateCells));
            var group = GroupOf(region, instance);
            output[i] = new SpecimenPoint(
                height,
                Field(0, group, groups, height, _fieldNoise[0].Sample(x, y, currentCells)),
                Field(1, group, groups, height, _fieldNoise[1].Sample(x, y, potentialCells)),
                Field(2, group, groups, height, _fieldNoise[2].Sample(x, y, adhesionCells)),
                region,
                instance);
        }
    }

    private static int GroupOf(SpecimenRegion region, int instance) =>
        instance == 0 ? 0 : 1 + (3 * (instance - 1)) + ((int)region - 1);

    private double Field(int channel, int group, int groups, double height, double noise)
    {
        var i = ((channel * groups) + group) * 3;
        return _coefficients[i] + (_coefficients[i + 1] * height) + (_coefficients[i + 2] * noise);
    }

    private double Topography(double x, double y, out SpecimenRegion region, out int instance, double substrateNoise)
    {
        var height = _substrateScale * substrateNoise;
        foreach (ref readonly var particle in _debris.AsSpan())
        {
            height += particle.Evaluate(x, y);
        }

        region = SpecimenRegion.Background;
        instance = 0;
        foreach (var chromosome in _chromosomes)
        {
            var h = chromosome.Evaluate(x, y, out var r);
            if (h > 0)
            {
                height += h;
                region = r;
                instance = chromosome.Id;
            }
        }

        return height;
    }

    private void Calibrate()
    {
        var n = Options.ReferenceGridPixels;
        var stepX = Options.FieldSizeX / n;
        var stepY = Options.FieldSizeY / n;

        // Substrate: scale the raw noise to the requested RMS roughness as measured on the reference grid.
        var rowSums = new double[n * 2];
        Parallel.For(0, n, j =>
        {
            var y = (j + 0.5) * stepY;
            double sum = 0, sum2 = 0;
            for (var i = 0; i < n; i++)
            {
                var v = _substrate.Sample((i + 0.5) * stepX, y);
                sum += v;
                sum2 += v * v;
            }

            rowSums[2 * j] = sum;
            rowSums[(2 * j) + 1] = sum2;
        });
        double total = 0, total2 = 0;
        for (var j = 0; j < n; j++)
        {
            total += rowSums[2 * j];
            total2 += rowSums[(2 * j) + 1];
        }

        var count = (double)n * n;
        var substrateVariance = Math.Max((total2 / count) - ((total / count) * (total / count)), 1e-30);
        _substrateScale = Options.SubstrateRoughness / Math.Sqrt(substrateVariance);

        // Per-group moments of height and of each channel's noise, per row, reduced in row order so the
        // result does not depend on thread scheduling.
        var groups = GroupCount;
        var stats = new double[n * groups * StatsPerGroup];
        Parallel.For(0, n, j =>
        {
            var y = (j + 0.5) * stepY;
            var row = stats.AsSpan(j * groups * StatsPerGroup, groups * StatsPerGroup);
            Span<NoiseCell> cells = stackalloc NoiseCell[16];
            cells.Clear();
            for (var i = 0; i < n; i++)
            {
                var x = (i + 0.5) * stepX;
                var h = Topography(x, y, out var region, out var instance, _substrate.Sample(x, y, cells[..4]));
                var g = row.Slice(GroupOf(region, instance) * StatsPerGroup, StatsPerGroup);
                g[0] += 1;
                g[1] += h;
                g[2] += h * h;
                for (var c = 0; c < FieldCount; c++)
                {
                    var v = _fieldNoise[c].Sample(x, y, cells.Slice(4 * (c + 1), 4));
                    g[3 + (3 * c)] += v;
                    g[4 + (3 * c)] += v * v;
                    g[5 + (3 * c)] += v * h;
                }
            }
        });

        var sums = new double[groups * StatsPerGroup];
        for (var j = 0; j < n; j++)
        {
            var row = stats.AsSpan(j * groups * StatsPerGroup, groups * StatsPerGroup);
            for (var k = 0; k < sums.Length; k++)
            {
                sums[k] += row[k];
            }
        }

        _coefficients = new double[FieldCount * groups * 3];
        var random = new SeededRandom(Seed, 4);
        for (var c = 0; c < FieldCount; c++)
        {
            var field = Options.Fields.For(SimulatedChannels.Names[c + 1]);
            SolveRegion(c, field.Background, [0], sums, groups, ref random);
            for (var region = 1; region <= 3; region++)
            {
                var members = new int[_chromosomes.Length];
                for (var k = 0; k < members.Length; k++)
                {
                    members[k] = 1 + (3 * k) + (region - 1);
                }

                SolveRegion(c, field.For((SpecimenRegion)region), members, sums, groups, ref random);
            }
        }
    }

    /// <summary>Solves A, B, C for every group of one region of one channel (see the class remarks).</summary>
    private void SolveRegion(int channel, RegionField target, int[] members, double[] sums, int groups, ref SeededRandom random)
    {
        var k = members.Length;
        var weight = new double[k];
        var meanH = new double[k];
        var varH = new double[k];
        var meanN = new double[k];
        var varN = new double[k];
        var covNH = new double[k];
        double total = 0, pooledMean = 0;
        for (var m = 0; m < k; m++)
        {
            var s = sums.AsSpan(members[m] * StatsPerGroup, StatsPerGroup);
            weight[m] = s[0];
            if (s[0] <= 0)
            {
                continue;
            }

            meanH[m] = s[1] / s[0];
            varH[m] = Math.Max((s[2] / s[0]) - (meanH[m] * meanH[m]), 0);
            meanN[m] = s[3 + (3 * channel)] / s[0];
            varN[m] = Math.Max((s[4 + (3 * channel)] / s[0]) - (meanN[m] * meanN[m]), 0);
            covNH[m] = (s[5 + (3 * channel)] / s[0]) - (meanN[m] * meanH[m]);
            total += s[0];
            pooledMean += s[1];
        }

        var r = target.Correlation;
        var sigma = target.Scale;
        var independent = Math.Sqrt(Math.Max(1 - (r * r), 0));
        if (total <= 0)
        {
            // The region does not occur on the reference grid: a plain field around the requested mean.
            foreach (var group in members)
            {
                Set(channel, group, groups, target.Mean, 0, sigma * independent);
            }

            return;
        }

        pooledMean /= total;
        double within = 0, between = 0;
        for (var m = 0; m < k; m++)
        {
            within += weight[m] * varH[m];
            between += weight[m] * (meanH[m] - pooledMean) * (meanH[m] - pooledMean);
        }

        var pooledVariance = (within + between) / total;
        var pooledStd = Math.Sqrt(pooledVariance);
        var offsets = BetweenGroupOffsets(weight, meanH, pooledMean, between / total / Math.Max(pooledVariance, 1e-300), ref random);
        for (var m = 0; m < k; m++)
        {
            if (weight[m] <= 0 || pooledStd <= 0)
            {
                Set(channel, members[m], groups, target.Mean, 0, 0);
                continue;
            }

            // n_within = w·(n − n̄ − β(h − h̄)) has zero mean, zero covariance with h and variance s²/S² in this group.
            var beta = varH[m] > 0 ? covNH[m] / varH[m] : 0;
            var residual = varN[m] - (beta * covNH[m]);
            var w = residual > 1e-12 * Math.Max(varN[m], 1e-300) ? Math.Sqrt(varH[m]) / pooledStd / Math.Sqrt(residual) : 0;
            var a = target.Mean - (sigma * r * pooledMean / pooledStd) + (sigma * independent * ((-w * meanN[m]) + (w * beta * meanH[m]) + offsets[m]));
            var b = (sigma * r / pooledStd) - (sigma * independent * w * beta);
            var cn = sigma * independent * w;
            Set(channel, members[m], groups, a, b, cn);
        }
    }

    /// <summary>
    /// Per-group constants with weighted mean 0, no weighted covariance with the groups' mean heights, and
    /// weighted mean square <paramref name="targetVariance"/>; zeros when fewer than three groups make that impossible.
    /// </summary>
    private static double[] BetweenGroupOffsets(double[] weight, double[] meanH, double pooledMean, double targetVariance, ref SeededRandom random)
    {
        var k = weight.Length;
        var offsets = new double[k];
        var draws = new double[k];
        for (var m = 0; m < k; m++)
        {
            // Always draw, so one chromosome's presence never shifts another channel's random stream.
            draws[m] = random.NextGaussian();
        }

        var active = 0;
        double total = 0;
        for (var m = 0; m < k; m++)
        {
            if (weight[m] > 0)
            {
                active++;
                total += weight[m];
            }
        }

        if (active < 3 || targetVariance <= 0)
        {
            return offsets;
        }

        double mean = 0, cross = 0, norm = 0;
        for (var m = 0; m < k; m++)
        {
            mean += weight[m] * draws[m];
        }

        mean /= total;
        for (var m = 0; m < k; m++)
        {
            var e = meanH[m] - pooledMean;
            cross += weight[m] * (draws[m] - mean) * e;
            norm += weight[m] * e * e;
        }

        var slope = norm > 0 ? cross / norm : 0;
        double square = 0;
        for (var m = 0; m < k; m++)
        {
            offsets[m] = weight[m] > 0 ? draws[m] - mean - (slope * (meanH[m] - pooledMean)) : 0;
            square += weight[m] * offsets[m] * offsets[m];
        }

        if (square <= 1e-12 * total)
        {
            Array.Clear(offsets);
            return offsets;
        }

        var scale = Math.Sqrt(targetVariance * total / square);
        for (var m = 0; m < k; m++)
        {
            offsets[m] *= scale;
        }

        return offsets;
    }

    private void Set(int channel, int group, int groups, double a, double b, double c)
    {
        var i = ((channel * groups) + group) * 3;
        _coefficients[i] = a;
        _coefficients[i + 1] = b;
        _coefficients[i + 2] = c;
    }

    private static Chromosome[] PlaceChromosomes(long seed, SpecimenOptions options)
    {
        var random = new SeededRandom(seed, 1);
        var count = random.NextInt(options.ChromosomeCountMin, options.ChromosomeCountMax);
        var placed = new List<Chromosome>(count);
        var fitLength = 0.9 * Math.Min(options.FieldSizeX, options.FieldSizeY);
        for (var index = 0; index < count; index++)
        {
            var touching = placed.Count > 0 && random.Chance(options.TouchProbability);
            var shrink = 1.0;
            for (var attempt = 0; attempt < 200; attempt++)
            {
                if (attempt > 0 && attempt % 40 == 0)
                {
                    shrink *= 0.8;
                }

                var width = random.Uniform(options.Width);
                var length = Math.Min(random.Uniform(options.Length) * shrink, fitLength);
                length = Math.Max(length, 1.5 * width);
                var height = random.Uniform(options.Height);
                var index01 = random.Uniform(options.CentromericIndex);
                var groove = random.Uniform(options.GrooveDepth);
                var constriction = random.Uniform(options.ConstrictionDepth);
                var direction = random.Uniform(0, 2 * Math.PI);
                var curvature = random.Uniform(-options.MaxBend, options.MaxBend) / length;
                double targetX, targetY;
                if (touching)
                {
                    var other = placed[random.NextInt(0, placed.Count - 1)];
                    var (ox, oy) = other.AxisPoint(random.Uniform(0, other.Length));
                    var angle = random.Uniform(0, 2 * Math.PI);
                    var distance = random.Uniform(0, 0.5 * (width + other.Width));
                    targetX = ox + (distance * Math.Cos(angle));
                    targetY = oy + (distance * Math.Sin(angle));
                }
                else
                {
                    targetX = random.Uniform(0, options.FieldSizeX);
                    targetY = random.Uniform(0, options.FieldSizeY);
                }

                var chromosomeSeed = Hashing.Stream(seed, 100 + (ulong)placed.Count);
                var probe = new Chromosome(0, 0, 0, direction, curvature, length, width, height, index01, groove, constriction,
                    options.BandingAmplitude, options.BandLength, chromosomeSeed);
                var (mx, my) = probe.AxisPoint(0.5 * length);
                var candidate = new Chromosome(placed.Count + 1, targetX - mx, targetY - my, direction, curvature, length, width, height,
                    index01, groove, constriction, options.BandingAmplitude, options.BandLength, chromosomeSeed);
                if (Inside(candidate, options) && (touching || Clear(candidate, placed)))
                {
                    placed.Add(candidate);
                    break;
                }
            }
        }

        return [.. placed];
    }

    private static bool Inside(Chromosome chromosome, SpecimenOptions options)
    {
        var margin = 0.6 * chromosome.Width;
        foreach (var (x, y) in chromosome.Axis)
        {
            if (x < margin || y < margin || x > options.FieldSizeX - margin || y > options.FieldSizeY - margin)
            {
                return false;
            }
        }

        return true;
    }

    private static bool Clear(Chromosome candidate, List<Chromosome> placed)
    {
        foreach (var other in placed)
        {
            var gap = (0.5 * (candidate.Width + other.Width)) + 0.3e-6;
            var gap2 = gap * gap;
            foreach (var (ax, ay) in candidate.Axis)
            {
                foreach (var (bx, by) in other.Axis)
                {
                    if (((ax - bx) * (ax - bx)) + ((ay - by) * (ay - by)) < gap2)
                    {
                        return false;
                    }
                }
            }
        }

        return true;
    }

    private static Debris[] PlaceDebris(long seed, SpecimenOptions options)
    {
        var random = new SeededRandom(seed, 2);
        var count = random.NextInt(options.DebrisCountMin, options.DebrisCountMax);
        var debris = new Debris[count];
        for (var i = 0; i < count; i++)
        {
            debris[i] = new Debris(
                random.Uniform(0, options.FieldSizeX),
                random.Uniform(0, options.FieldSizeY),
                random.Uniform(options.DebrisRadius),
                random.Uniform(options.DebrisHeight));
        }

        return debris;
    }
}
