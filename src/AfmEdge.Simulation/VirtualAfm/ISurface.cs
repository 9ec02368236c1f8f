namespace AfmEdge.Simulation.VirtualAfm;

/// <summary>
/// The sample under the virtual tip, in physical coordinates (metres, sample frame). Height is required;
/// the fields the conductive probe modules record default to nothing.
/// </summary>
public interface ISurface
{
    /// <summary>Topography at (<paramref name="x"/>, <paramref name="y"/>) in metres above the substrate plane.</summary>
    double HeightAt(double x, double y);

    /// <summary>Current through the tip in contact, in amperes.</summary>
    double CurrentAt(double x, double y) => 0.0;

    /// <summary>Surface potential in volts.</summary>
    double PotentialAt(double x, double y) => 0.0;

    /// <summary>Adhesion force in newtons.</summary>
    double AdhesionAt(double x, double y) => 0.0;
}

/// <summary>One Gaussian bump of a <see cref="BumpSurface"/>.</summary>
/// <param name="X">Centre x in metres.</param>
/// <param name="Y">Centre y in metres.</param>
/// <param name="Sigma">Standard deviation in metres (positive).</param>
/// <param name="Height">Peak height in metres.</param>
public readonly record struct Bump(double X, double Y, double Sigma, double Height);

/// <summary>
/// An analytic test surface: Gaussian bumps on a tilted plane. Current follows the height (a conductive
/// coating thicker on the bumps), potential falls with it, adhesion is constant: simple enough that tests
/// know the answer.
/// </summary>
public sealed class BumpSurface : ISurface
{
    private readonly Bump[] _bumps;

    /// <summary>Creates the surface; slopes are dimensionless (metres of height per metre).</summary>
    public BumpSurface(IEnumerable<Bump> bumps, double slopeX = 0, double slopeY = 0)
    {
        ArgumentNullException.ThrowIfNull(bumps);
        _bumps = [.. bumps];
        foreach (var b in _bumps)
        {
            if (!(b.Sigma > 0) || !double.IsFinite(b.Height) || !double.IsFinite(b.X) || !double.IsFinite(b.Y))
            {
                throw new ArgumentOutOfRangeException(nameof(bumps), b, "Each bump needs a positive sigma and finite position and height.");
            }
        }

        if (!double.IsFinite(slopeX) || !double.IsFinite(slopeY))
        {
            throw new ArgumentOutOfRangeException(nameof(slopeX), "Slopes must be finite.");
        }

        SlopeX = slopeX;
        SlopeY = slopeY;
    }

    /// <summary>Tilt along x.</summary>
    public double SlopeX { get; }

    /// <summary>Tilt along y.</summary>
    public double SlopeY { get; }

    /// <summary>Current per metre of height, A/m.</summary>
    public double CurrentPerMetre { get; init; } = 1e-9 / 100e-9;

    /// <summary>Surface potential at zero height, V.</summary>
    public double PotentialOffset { get; init; } = 0.2;

    /// <summary>Potential change per metre of height, V/m.</summary>
    public double PotentialPerMetre { get; init; } = -0.3 / 200e-9;

    /// <summary>Adhesion everywhere, N.</summary>
    public double Adhesion { get; init; } = 5e-9;

    /// <inheritdoc />
    public double HeightAt(double x, double y)
    {
        double h = (SlopeX * x) + (SlopeY * y);
        foreach (var b in _bumps)
        {
            double dx = x - b.X;
            double dy = y - b.Y;
            h += b.Height * Math.Exp(-((dx * dx) + (dy * dy)) / (2 * b.Sigma * b.Sigma));
        }

        return h;
    }

    /// <inheritdoc />
    public double CurrentAt(double x, double y) => Math.Max(0, HeightAt(x, y)) * CurrentPerMetre;

    /// <inheritdoc />
    public double PotentialAt(double x, double y) => PotentialOffset + (PotentialPerMetre * HeightAt(x, y));

    /// <inheritdoc />
    public double AdhesionAt(double x, double y) => Adhesion;
}
