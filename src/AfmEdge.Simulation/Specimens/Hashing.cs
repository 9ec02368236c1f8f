namespace AfmEdge.Simulation.Specimens;

/// <summary>
/// Stateless integer hashing (the SplitMix64 finaliser). Every random quantity of the simulator is a hash
/// of the seed and of integer coordinates, so a value never depends on the order in which pixels or rows
/// are computed, and rows can be rendered in parallel.
/// </summary>
internal static class Hashing
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    private const ulong PrimeA = 0xD6E8FEB86659FD93UL;
    private const ulong PrimeB = 0xCA5A826395121157UL;

    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public static ulong Combine(ulong seed, long a) => Mix(seed + Golden + ((ulong)a * PrimeA));

    public static ulong Combine(ulong seed, long a, long b) => Mix(seed + Golden + ((ulong)a * PrimeA) + ((ulong)b * PrimeB));

    public static ulong Combine(ulong seed, long a, long b, long c) => Combine(Combine(seed, a, b), c);

    /// <summary>A seed for one named stream of randomness (substrate, debris, a channel's noise…).</summary>
    public static ulong Stream(long seed, ulong stream) => Mix(((ulong)seed * Golden) ^ Mix(stream + PrimeA));

    /// <summary>Uniform in [-1, 1).</summary>
    public static double SignedUnit(ulong h) => ((h >> 11) * (2.0 / (1UL << 53))) - 1.0;

    /// <summary>
    /// An approximately standard normal value from one hash: the sum of four 16-bit uniforms (Irwin–Hall),
    /// rescaled to unit variance. Tails end at ±3.46σ, which is harmless for instrument noise and costs
    /// one multiply-shift chain instead of a logarithm and a cosine per sample.
    /// </summary>
    public static double Gaussian(ulong h)
    {
        const double Scale = 1.0 / 65536.0;
        var sum = ((h & 0xFFFF) + ((h >> 16) & 0xFFFF) + ((h >> 32) & 0xFFFF) + (h >> 48) + 2.0) * Scale;

        // The sum of four U(0,1) has mean 2 and variance 1/3.
        return (sum - 2.0) * 1.7320508075688772;
    }
}
