namespace AfmEdge.Simulation.Specimens;

/// <summary>
/// Smooth random fields defined on physical coordinates: fractal value noise whose lattice is fixed in
/// metres, so sampling it on any pixel grid samples the same field. Lattice values are hashes of the
/// seed and the integer cell, interpolated with a quintic fade (continuous slope and curvature).
/// </summary>
internal readonly struct ValueNoise2D
{
    private readonly ulong _seed;
    private readonly double _inverseCell;
    private readonly int _octaves;

    /// <param name="seed">Stream seed from <see cref="Hashing.Stream"/>.</param>
    /// <param name="correlationLength">The coarsest lattice spacing, metres.</param>
    /// <param name="octaves">Each octave halves the spacing and the amplitude.</param>
    public ValueNoise2D(ulong seed, double correlationLength, int octaves)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(correlationLength);
        ArgumentOutOfRangeException.ThrowIfLessThan(octaves, 1);
        _seed = seed;
        _inverseCell = 1.0 / correlationLength;
        _octaves = octaves;
    }

    public double Sample(double x, double y)
    {
        var sum = 0.0;
        var amplitude = 1.0;
        var frequency = _inverseCell;
        var seed = _seed;
        for (var o = 0; o < _octaves; o++)
        {
            sum += amplitude * Single(seed, x * frequency, y * frequency);
            amplitude *= 0.5;
            frequency *= 2.0;
            seed += 0x632BE59BD9B4E019UL;
        }

        return sum;
    }

    /// <summary>
    /// The same value as <see cref="Sample(double, double)"/>, reusing the lattice values of the cell the
    /// previous call of this <paramref name="cache"/> was in (one entry per octave). Neighbouring samples
    /// along a scan row mostly share cells, so a row costs a fraction of the hashing.
    /// </summary>
    public double Sample(double x, double y, Span<NoiseCell> cache)
    {
        var sum = 0.0;
        var amplitude = 1.0;
        var frequency = _inverseCell;
        var seed = _seed;
        for (var o = 0; o < _octaves; o++)
        {
            sum += amplitude * Cached(seed, x * frequency, y * frequency, ref cache[o]);
            amplitude *= 0.5;
            frequency *= 2.0;
            seed += 0x632BE59BD9B4E019UL;
        }

        return sum;
    }

    public int Octaves => _octaves;

    private static double Cached(ulong seed, double x, double y, ref NoiseCell cell)
    {
        var fx = Math.Floor(x);
        var fy = Math.Floor(y);
        var ix = (long)fx;
        var iy = (long)fy;
        if (!cell.Valid || cell.Ix != ix || cell.Iy != iy)
        {
            cell.V00 = Hashing.SignedUnit(Hashing.Combine(seed, ix, iy));
            cell.V10 = Hashing.SignedUnit(Hashing.Combine(seed, ix + 1, iy));
            cell.V01 = Hashing.SignedUnit(Hashing.Combine(seed, ix, iy + 1));
            cell.V11 = Hashing.SignedUnit(Hashing.Combine(seed, ix + 1, iy + 1));
            cell.Ix = ix;
            cell.Iy = iy;
            cell.Valid = true;
        }

        var tx = Fade(x - fx);
        var ty = Fade(y - fy);
        var a = cell.V00 + ((cell.V10 - cell.V00) * tx);
        var b = cell.V01 + ((cell.V11 - cell.V01) * tx);
        return a + ((b - a) * ty);
    }

    private static double Single(ulong seed, double x, double y)
    {
        var fx = Math.Floor(x);
        var fy = Math.Floor(y);
        var ix = (long)fx;
        var iy = (long)fy;
        var tx = Fade(x - fx);
        var ty = Fade(y - fy);
        var v00 = Hashing.SignedUnit(Hashing.Combine(seed, ix, iy));
        var v10 = Hashing.SignedUnit(Hashing.Combine(seed, ix + 1, iy));
        var v01 = Hashing.SignedUnit(Hashing.Combine(seed, ix, iy + 1));
        var v11 = Hashing.SignedUnit(Hashing.Combine(seed, ix + 1, iy + 1));
        var a = v00 + ((v10 - v00) * tx);
        var b = v01 + ((v11 - v01) * tx);
        return a + ((b - a) * ty);
    }

    internal static double Fade(double t) => t * t * t * ((t * ((t * 6.0) - 15.0)) + 10.0);
}

/// <summary>The lattice values of the cell one octave of <see cref="ValueNoise2D"/> last sampled (a per-row cache).</summary>
internal struct NoiseCell
{
    public bool Valid;
    public long Ix;
    public long Iy;
    public double V00;
    public double V10;
    public double V01;
    public double V11;
}

/// <summary>One-dimensional value noise (band patterns along a chromatid, 1/f noise in time).</summary>
internal readonly struct ValueNoise1D
{
    private readonly ulong _seed;

    public ValueNoise1D(ulong seed) => _seed = seed;

    /// <summary>Noise at <paramref name="t"/> in lattice units: uniform lattice values in [-1, 1], smoothly interpolated.</summary>
    public double Sample(double t)
    {
        var ft = Math.Floor(t);
        var i = (long)ft;
        var f = ValueNoise2D.Fade(t - ft);
        var a = Hashing.SignedUnit(Hashing.Combine(_seed, i));
        var b = Hashing.SignedUnit(Hashing.Combine(_seed, i + 1));
        return a + ((b - a) * f);
    }
}
