namespace AfmEdge.Simulation.Specimens;

/// <summary>
/// A small sequential generator (SplitMix64) for building a specimen. Its algorithm is written here, not
/// borrowed from <see cref="Random"/>, whose seeded sequence is an implementation detail of the runtime:
/// a seed must mean the same specimen on every machine and every .NET version.
/// </summary>
internal struct SeededRandom
{
    private ulong _state;

    public SeededRandom(long seed, ulong stream) => _state = Hashing.Stream(seed, stream);

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Hashing.Mix(_state);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public double Uniform(double min, double max) => min + ((max - min) * NextDouble());

    public double Uniform(ValueRange range) => Uniform(range.Min, range.Max);

    public int NextInt(int minInclusive, int maxInclusive) =>
        minInclusive + (int)(NextUInt64() % (ulong)(maxInclusive - minInclusive + 1));

    public bool Chance(double probability) => NextDouble() < probability;

    /// <summary>Standard normal (Box–Muller); used only while building a specimen, never per pixel.</summary>
    public double NextGaussian()
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
