using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Simulation.Instrument;

/// <summary>One octave's lattice cell of <see cref="InstrumentNoise.Pink"/>, cached between nearby times.</summary>
internal struct PinkCell
{
    public bool Valid;
    public long Index;
    public double Start;
    public double End;
}

/// <summary>A scar drawn for one line and direction: where it starts and how long it is (fractions of the line), and its height step.</summary>
internal readonly record struct ScarDraw(double Start, double Length, double Amplitude);

/// <summary>The random parts of the instrument model, as hashes of a seed and of time or line, shared by IdealScan and the closed loop.</summary>
internal static class InstrumentNoise
{
    /// <summary>Octaves of the 1/f noise: from 1/16 of the line rate up to 2× the line rate.</summary>
    public const int PinkOctaves = 6;

    /// <summary>1/f noise at <paramref name="cycles"/> periods of its lowest octave: equal-power octaves of value noise, unit standard deviation.</summary>
    /// <remarks>Successive samples mostly stay in each octave's lattice cell, so the cell's values are cached in <paramref name="cells"/>.</remarks>
    public static double Pink(ulong seed, double cycles, Span<PinkCell> cells)
    {
        // Each quintic-interpolated octave of U(−1, 1) lattice values has a standard deviation of about 0.5.
        const double Normalisation = 1.0 / (0.5 * 2.449489742783178);
        var sum = 0.0;
        for (var o = 0; o < PinkOctaves; o++)
        {
            var floor = Math.Floor(cycles);
            var index = (long)floor;
            ref var cell = ref cells[o];
            if (!cell.Valid || cell.Index != index)
            {
                cell.Start = Hashing.SignedUnit(Hashing.Combine(seed + (ulong)o, index));
                cell.End = Hashing.SignedUnit(Hashing.Combine(seed + (ulong)o, index + 1));
                cell.Index = index;
                cell.Valid = true;
            }

            sum += cell.Start + ((cell.End - cell.Start) * ValueNoise2D.Fade(cycles - floor));
            cycles *= 2;
        }

        return sum * Normalisation;
    }

    /// <summary>Whether line <paramref name="row"/> in direction <paramref name="directionKey"/> has a scar, and which.</summary>
    public static bool TryScar(ulong seed, ScarOptions scars, long directionKey, long row, out ScarDraw scar)
    {
        scar = default;
        if (scars.Probability <= 0)
        {
            return false;
        }

        var h = Hashing.Combine(seed, directionKey, row);
        if ((Hashing.SignedUnit(h) + 1) * 0.5 >= scars.Probability)
        {
            return false;
        }

        var h2 = Hashing.Mix(h);
        var h3 = Hashing.Mix(h2);
        var start = (Hashing.SignedUnit(h2) + 1) * 0.5;
        var uniform = Math.Max((Hashing.SignedUnit(h3) + 1) * 0.5, 1e-9);
        var length = -Math.Log(uniform) * scars.MeanLength;
        var amplitude = scars.Height * (0.5 + ((Hashing.SignedUnit(Hashing.Mix(h3)) + 1) * 0.5)) * ((h & 1) == 0 ? 1 : -1);
        scar = new ScarDraw(start, length, amplitude);
        return true;
    }
}
