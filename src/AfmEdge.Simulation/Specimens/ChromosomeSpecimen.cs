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

    // Per group: count, Σh, Σh²; per channel: Σn, Σn², Σn³, Σn⁴, Σn·h, Σn²·h.
    private const int StatsPerChannel = 6;
    private const int StatsPerGroup = 3 + (StatsPerChannel * FieldCount);
    private const int CoefficientsPerGroup = 4;

    // Below this many pixels on the companion grid a group keeps the reference grid's solution alone.
    private const int MinCompanionPixels = 8;

    private readonly Chromosome[] _chromosomes;
    private readonly Debris[] _debris;
    private readonly ValueNoise2D _substrate;
    private readonly ValueNoise2D[] _fieldNoise;
    private double _substrateScale;

    // Per channel and group: field = A + B·height + C·noise + D·noise². Index (channel * groups + group) * 4.
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
        var i = ((channel * groups) + group) * CoefficientsPerGroup;
        return _coefficients[i] + (_coefficients[i + 1] * height) + (((_coefficients[i + 3] * noise) + _coefficients[i + 2]) * noise);
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

        // Per-group moments on the reference grid and on its half-resolution companion (the two sides of a ×2 pair).
        var groups = GroupCount;
        var sums = GroupSums(n);
        var companion = n / 2 >= 16 ? GroupSums(n / 2) : null;
        _coefficients = new double[FieldCount * groups * CoefficientsPerGroup];
        var random = new SeededRandom(Seed, 4);
        for (var c = 0; c < FieldCount; c++)
        {
            var field = Options.Fields.For(SimulatedChannels.Names[c + 1]);
            SolveRegion(c, field.Background, [0], sums, companion, groups, ref random);
            for (var region = 1; region <= 3; region++)
            {
                var members = new int[_chromosomes.Length];
                for (var k = 0; k < members.Length; k++)
                {
                    members[k] = 1 + (3 * k) + (region - 1);
                }

                SolveRegion(c, field.For((SpecimenRegion)region), members, sums, companion, groups, ref random);
            }
        }
    }

    /// <summary>Per-group sums of height and noise powers at the centres of a <paramref name="n"/> × <paramref name="n"/> grid over the field.</summary>
    private double[] GroupSums(int n)
    {
        var stepX = Options.FieldSizeX / n;
        var stepY = Options.FieldSizeY / n;
        var groups = GroupCount;

        // Per row, reduced in row order, so the result does not depend on thread scheduling.
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
                    var v2 = v * v;
                    var o = 3 + (StatsPerChannel * c);
                    g[o] += v;
                    g[o + 1] += v2;
                    g[o + 2] += v2 * v;
                    g[o + 3] += v2 * v2;
                    g[o + 4] += v * h;
                    g[o + 5] += v2 * h;
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

        return sums;
    }

    /// <summary>
    /// Means and covariances of (height, n, n²) of one group and channel from its sums: Mean[3] and Cov[3×3], row-major.
    /// </summary>
    private static bool Moments(ReadOnlySpan<double> s, int channel, Span<double> mean, Span<double> cov)
    {
        var count = s[0];
        if (count <= 0)
        {
            return false;
        }

        var o = 3 + (StatsPerChannel * channel);
        var eh = s[1] / count;
        var ehh = s[2] / count;
        var en = s[o] / count;
        var enn = s[o + 1] / count;
        var ennn = s[o + 2] / count;
        var ennnn = s[o + 3] / count;
        var enh = s[o + 4] / count;
        var ennh = s[o + 5] / count;
        mean[0] = eh;
        mean[1] = en;
        mean[2] = enn;
        cov[0] = ehh - (eh * eh);
        cov[1] = cov[3] = enh - (eh * en);
        cov[2] = cov[6] = ennh - (eh * enn);
        cov[4] = enn - (en * en);
        cov[5] = cov[7] = ennn - (en * enn);
        cov[8] = ennnn - (enn * enn);
        return true;
    }

    /// <summary>Solves the coefficients of every group of one region of one channel (see the class remarks).</summary>
    private void SolveRegion(int channel, RegionField target, int[] members, double[] sums, double[]? companion, int groups, ref SeededRandom random)
    {
        var k = members.Length;
        var weight = new double[k];
        var meanH = new double[k];
        var varH = new double[k];
        double total = 0, pooledMean = 0;
        Span<double> mean = stackalloc double[3];
        Span<double> cov = stackalloc double[9];
        for (var m = 0; m < k; m++)
        {
            var s = sums.AsSpan(members[m] * StatsPerGroup, StatsPerGroup);
            weight[m] = s[0];
            if (!Moments(s, channel, mean, cov))
            {
                continue;
            }

            meanH[m] = mean[0];
            varH[m] = Math.Max(cov[0], 0);
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
                Set(channel, group, groups, target.Mean, 0, sigma * independent, 0);
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
        var slope = pooledStd > 0 ? sigma * r / pooledStd : 0;
        var scale = sigma * independent;
        Span<double> companionMean = stackalloc double[3];
        Span<double> companionCov = stackalloc double[9];
        for (var m = 0; m < k; m++)
        {
            var s = sums.AsSpan(members[m] * StatsPerGroup, StatsPerGroup);
            if (weight[m] <= 0 || pooledStd <= 0 || !Moments(s, channel, mean, cov))
            {
                Set(channel, members[m], groups, target.Mean, 0, 0, 0);
                continue;
            }

            var basis = Basis.Solve(mean, cov, varH[m] / pooledVariance);
            var theta = 0.0;
            if (companion is not null && basis.Valid)
            {
                var c = companion.AsSpan(members[m] * StatsPerGroup, StatsPerGroup);
                if (c[0] >= MinCompanionPixels && Moments(c, channel, companionMean, companionCov) && companionCov[0] > 0)
                {
                    theta = basis.AngleMeeting(r, slope, scale, companionCov);
                }
            }

            // field = mean + slope·(h − pooled mean) + scale·(offset + e), e the group's independent part (zero mean here).
            var (e0, eh, en, eq) = basis.Coefficients(theta);
            Set(channel, members[m], groups,
                target.Mean - (slope * pooledMean) + (scale * (offsets[m] + e0)),
                slope + (scale * eh),
                scale * en,
                scale * eq);
        }
    }

    /// <summary>
    /// The independent part of a field within one group, e = C₁·n⊥ + C₂·q⊥: n⊥ is the channel's noise made
    /// orthogonal to height, q⊥ its square made orthogonal to both, on the reference grid, so any angle θ with
    /// C₁ ∝ cos θ, C₂ ∝ sin θ gives the same variance, mean and zero covariance with height there. The angle is
    /// the freedom that makes the requested r hold on the companion grid too.
    /// </summary>
    private readonly struct Basis
    {
        private readonly double _meanH;
        private readonly double _meanN;
        private readonly double _meanQ;
        private readonly double _betaN;
        private readonly double _betaQN;
        private readonly double _betaQH;
        private readonly double _scaleN;
        private readonly double _scaleQ;

        private Basis(double meanH, double meanN, double meanQ, double betaN, double betaQN, double betaQH, double scaleN, double scaleQ)
        {
            _meanH = meanH;
            _meanN = meanN;
            _meanQ = meanQ;
            _betaN = betaN;
            _betaQN = betaQN;
            _betaQH = betaQH;
            _scaleN = scaleN;
            _scaleQ = scaleQ;
            Valid = scaleN > 0;
        }

        public bool Valid { get; }

        /// <summary>The basis for a group whose independent part must have <paramref name="variance"/> on the reference grid.</summary>
        public static Basis Solve(ReadOnlySpan<double> mean, ReadOnlySpan<double> cov, double variance)
        {
            var varH = cov[0];
            if (!(varH > 0) || !(variance > 0))
            {
                return default;
            }

            // n⊥ = n − β·h; its residual variance must not vanish (a noise field that is height itself carries no independent part).
            var betaN = cov[1] / varH;
            var residualN = cov[4] - (betaN * cov[1]);
            if (!(residualN > 1e-12 * Math.Max(cov[4], 1e-300)))
            {
                return default;
            }

            // q⊥ = q − βqn·n − βqh·h: least squares of n² on (n, h).
            var det = (cov[4] * varH) - (cov[1] * cov[1]);
            double betaQN = 0, betaQH = 0, residualQ = 0;
            if (det > 1e-12 * cov[4] * varH)
            {
                betaQN = ((cov[5] * varH) - (cov[2] * cov[1])) / det;
                betaQH = ((cov[2] * cov[4]) - (cov[5] * cov[1])) / det;
                residualQ = cov[8] - (betaQN * cov[5]) - (betaQH * cov[2]);
            }

            var scaleQ = residualQ > 1e-12 * Math.Max(cov[8], 1e-300) ? Math.Sqrt(variance / residualQ) : 0;
            return new Basis(mean[0], mean[1], mean[2], betaN, betaQN, betaQH, Math.Sqrt(variance / residualN), scaleQ);
        }

        /// <summary>e at angle θ as constant + coefficients on h, n and n².</summary>
        public (double Constant, double H, double N, double Q) Coefficients(double theta)
        {
            if (!Valid)
            {
                return (0, 0, 0, 0);
            }

            var c1 = _scaleN * Math.Cos(theta);
            var c2 = _scaleQ * Math.Sin(theta);

            // c1·(n − μn − βn·(h − μh)) + c2·(q − μq − βqn·(n − μn) − βqh·(h − μh))
            var h = (-c1 * _betaN) - (c2 * _betaQH);
            var n = c1 - (c2 * _betaQN);
            var constant = (-c1 * (_meanN - (_betaN * _meanH))) - (c2 * (_meanQ - (_betaQN * _meanN) - (_betaQH * _meanH)));
            return (constant, h, n, c2);
        }

        /// <summary>
        /// The angle, nearest to the pure-noise one, at which the field's Pearson r with height over the companion
        /// grid's covariance of (h, n, n²) equals <paramref name="r"/>; where none does, the closest.
        /// </summary>
        public double AngleMeeting(double r, double slope, double scale, ReadOnlySpan<double> cov)
        {
            if (_scaleQ <= 0)
            {
                return 0;
            }

            // Outward from θ = 0 in both directions: the first bracketed root is the one nearest the pure-noise field.
            const int Steps = 180;
            const double Delta = Math.PI / Steps;
            var atZero = Error(0, r, slope, scale, cov);
            double best = 0, bestError = Math.Abs(atZero);
            double lastUp = atZero, lastDown = atZero;
            for (var k = 1; k <= Steps; k++)
            {
                var up = Error(k * Delta, r, slope, scale, cov);
                if (Math.Sign(up) != Math.Sign(lastUp))
                {
                    return Bisect((k - 1) * Delta, k * Delta, r, slope, scale, cov);
                }

                var down = Error(-k * Delta, r, slope, scale, cov);
                if (Math.Sign(down) != Math.Sign(lastDown))
                {
                    return Bisect(-(k - 1) * Delta, -k * Delta, r, slope, scale, cov);
                }

                if (Math.Abs(up) < bestError)
                {
                    (best, bestError) = (k * Delta, Math.Abs(up));
                }

                if (Math.Abs(down) < bestError)
                {
                    (best, bestError) = (-k * Delta, Math.Abs(down));
                }

                (lastUp, lastDown) = (up, down);
            }

            return best;
        }

        private double Bisect(double a, double b, double r, double slope, double scale, ReadOnlySpan<double> cov)
        {
            var ea = Error(a, r, slope, scale, cov);
            for (var i = 0; i < 50; i++)
            {
                var mid = 0.5 * (a + b);
                var em = Error(mid, r, slope, scale, cov);
                if (Math.Sign(em) == Math.Sign(ea))
                {
                    a = mid;
                    ea = em;
                }
                else
                {
                    b = mid;
                }
            }

            return 0.5 * (a + b);
        }

        private double Error(double theta, double r, double slope, double scale, ReadOnlySpan<double> cov)
        {
            var (_, h, n, q) = Coefficients(theta);
            var wh = slope + (scale * h);
            var wn = scale * n;
            var wq = scale * q;
            var covFH = (cov[0] * wh) + (cov[1] * wn) + (cov[2] * wq);
            var varF = (wh * ((cov[0] * wh) + (cov[1] * wn) + (cov[2] * wq)))
                + (wn * ((cov[3] * wh) + (cov[4] * wn) + (cov[5] * wq)))
                + (wq * ((cov[6] * wh) + (cov[7] * wn) + (cov[8] * wq)));
            if (!(varF > 0))
            {
                return 0;
            }

            return (covFH / Math.Sqrt(varF * cov[0])) - r;
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

    private void Set(int channel, int group, int groups, double a, double b, double c, double d)
    {
        var i = ((channel * groups) + group) * CoefficientsPerGroup;
        _coefficients[i] = a;
        _coefficients[i + 1] = b;
        _coefficients[i + 2] = c;
        _coefficients[i + 3] = d;
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
                Chromosome? contact = null;
                var gap = 0.0;
                if (touching && options.Touch == TouchKind.Contact)
                {
                    // Start clear of the other chromosome, then move along the line of closest approach until the outlines meet.
                    contact = placed[random.NextInt(0, placed.Count - 1)];
                    var (ox, oy) = contact.AxisPoint(random.Uniform(0, contact.Length));
                    var angle = random.Uniform(0, 2 * Math.PI);
                    var distance = (0.5 * (length + width + contact.Width)) + 0.2e-6;
                    targetX = ox + (distance * Math.Cos(angle));
                    targetY = oy + (distance * Math.Sin(angle));
                    gap = random.Uniform(options.ContactGap);
                }
                else if (touching)
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
                Chromosome? candidate = new Chromosome(placed.Count + 1, targetX - mx, targetY - my, direction, curvature, length, width, height,
                    index01, groove, constriction, options.BandingAmplitude, options.BandLength, chromosomeSeed);
                if (contact is not null)
                {
                    candidate = MoveIntoContact(candidate, contact, gap, options);
                }

                if (candidate is not null && Inside(candidate, options)
                    && (contact is not null ? Clear(candidate, placed, contact) : touching || Clear(candidate, placed)))
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

    /// <summary>
    /// <paramref name="candidate"/> translated so that its outline's closest approach to <paramref name="other"/>'s is
    /// <paramref name="gap"/>; null when the axes cross or it does not settle within a few steps.
    /// </summary>
    private static Chromosome? MoveIntoContact(Chromosome candidate, Chromosome other, double gap, SpecimenOptions options)
    {
        for (var step = 0; step < 12; step++)
        {
            var (current, ux, uy) = OutlineGap(candidate, other);
            if (double.IsNaN(current))
            {
                return null;
            }

            var move = current - gap;
            if (Math.Abs(move) < 0.5e-9)
            {
                return candidate;
            }

            candidate = new Chromosome(candidate.Id, candidate.StartX + (move * ux), candidate.StartY + (move * uy), candidate.Direction,
                candidate.Curvature, candidate.Length, candidate.Width, candidate.Height, candidate.CentromericIndex, candidate.GrooveDepth,
                candidate.ConstrictionDepth, options.BandingAmplitude, options.BandLength, candidate.Seed);
        }

        return null;
    }

    /// <summary>
    /// The smallest gap between the two outlines (each axis vertex of one against the nearest point of the other's axis,
    /// less both outlines' reach along that line) and the unit direction from <paramref name="a"/> towards
    /// <paramref name="b"/> there; NaN when the axes touch or cross.
    /// </summary>
    private static (double Gap, double Ux, double Uy) OutlineGap(Chromosome a, Chromosome b)
    {
        var best = (Gap: double.PositiveInfinity, Ux: 0.0, Uy: 0.0);
        Closest(a, b, 1, ref best);
        Closest(b, a, -1, ref best);
        return best;

        static void Closest(Chromosome from, Chromosome to, double sign, ref (double Gap, double Ux, double Uy) best)
        {
            var points = from.Axis;
            var segments = to.Axis;
            for (var i = 0; i < points.Count; i++)
            {
                var (px, py) = points[i];
                for (var j = 0; j + 1 < segments.Count; j++)
                {
                    var (x0, y0) = segments[j];
                    var (x1, y1) = segments[j + 1];
                    double sx = x1 - x0, sy = y1 - y0;
                    var t = Math.Clamp((((px - x0) * sx) + ((py - y0) * sy)) / ((sx * sx) + (sy * sy)), 0, 1);
                    double dx = x0 + (t * sx) - px, dy = y0 + (t * sy) - py;
                    var distance = Math.Sqrt((dx * dx) + (dy * dy));
                    if (distance < 1e-9)
                    {
                        best = (double.NaN, 0, 0);
                        return;
                    }

                    double ux = dx / distance, uy = dy / distance;
                    var sFrom = from.Length * i / (points.Count - 1);
                    var sTo = to.Length * (j + t) / (segments.Count - 1);
                    var gap = distance - from.HalfExtent(sFrom, ux, uy) - to.HalfExtent(sTo, -ux, -uy);
                    if (gap < best.Gap)
                    {
                        best = (gap, sign * ux, sign * uy);
                    }
                }
            }
        }
    }

    private static bool Clear(Chromosome candidate, List<Chromosome> placed, Chromosome? except = null)
    {
        foreach (var other in placed)
        {
            if (ReferenceEquals(other, except))
            {
                continue;
            }

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
