namespace AfmEdge.Simulation.Specimens;

/// <summary>
/// One metaphase chromosome: two sister chromatids along a circular-arc axis, joined at a primary
/// constriction. The axis starts at the p telomere (arc length 0) and ends at the q telomere (arc
/// length <see cref="Length"/>); the centromere sits at <see cref="CentromereArcLength"/> = index × length.
/// Each chromatid has an elliptical cross-section with rounded telomeres; the constriction narrows and
/// lowers both chromatids around the centromere; faint bands modulate height along the axis.
/// </summary>
public sealed class Chromosome
{
    private const int PolylinePoints = 33;

    // The centromere region reaches this many constriction σ either side of the centromere: where the
    // width has recovered to within ~10% of the depth of the constriction.
    private const double CentromereExtent = 1.3;

    private readonly double _cosDirection;
    private readonly double _sinDirection;
    private readonly double _centreX;
    private readonly double _centreY;
    private readonly double _radius;
    private readonly bool _straight;
    private readonly double _chromatidHalfWidth;
    private readonly double _chromatidOffset;
    private readonly double _constrictionSigma;
    private readonly double _bandingAmplitude;
    private readonly double _inverseBandLength;
    private readonly ValueNoise1D _bands;
    private readonly ValueNoise2D _texture;

    internal Chromosome(
        int id, double startX, double startY, double direction, double curvature, double length, double width, double height,
        double centromericIndex, double grooveDepth, double constrictionDepth, double bandingAmplitude, double bandLength, ulong seed)
    {
        Id = id;
        Seed = seed;
        StartX = startX;
        StartY = startY;
        Direction = direction;
        Curvature = curvature;
        Length = length;
        Width = width;
        Height = height;
        CentromericIndex = centromericIndex;
        GrooveDepth = grooveDepth;
        ConstrictionDepth = constrictionDepth;
        _cosDirection = Math.Cos(direction);
        _sinDirection = Math.Sin(direction);
        _straight = Math.Abs(curvature * length) < 1e-6;
        if (!_straight)
        {
            var rho = 1.0 / curvature;
            _centreX = startX - (rho * _sinDirection);
            _centreY = startY + (rho * _cosDirection);
            _radius = Math.Abs(rho);
        }

        // Elliptical chromatids of half-width a whose centres sit ±c from the axis; at the axis each is
        // (1 − GrooveDepth) high, so c/a = √(1 − (1 − g)²) and the full width is 2(a + c).
        var ratio = Math.Sqrt(1.0 - ((1.0 - grooveDepth) * (1.0 - grooveDepth)));
        _chromatidHalfWidth = width / (2.0 * (1.0 + ratio));
        _chromatidOffset = ratio * _chromatidHalfWidth;
        _constrictionSigma = 0.35 * width;
        _bandingAmplitude = bandingAmplitude;
        _inverseBandLength = 1.0 / bandLength;
        _bands = new ValueNoise1D(Hashing.Combine(seed, 1));
        _texture = new ValueNoise2D(Hashing.Combine(seed, 2), 80e-9, 1);

        var axis = new (double X, double Y)[PolylinePoints];
        double minX = double.MaxValue, minY = double.MaxValue, maxX = double.MinValue, maxY = double.MinValue;
        for (var i = 0; i < PolylinePoints; i++)
        {
            axis[i] = AxisPoint(length * i / (PolylinePoints - 1));
            minX = Math.Min(minX, axis[i].X);
            maxX = Math.Max(maxX, axis[i].X);
            minY = Math.Min(minY, axis[i].Y);
            maxY = Math.Max(maxY, axis[i].Y);
        }

        Axis = axis;
        var margin = (0.5 * width) + (0.05 * width);
        BoundsMinX = minX - margin;
        BoundsMaxX = maxX + margin;
        BoundsMinY = minY - margin;
        BoundsMaxY = maxY + margin;
    }

    /// <summary>1-based instance id (the value in the instance image).</summary>
    public int Id { get; }

    /// <summary>Seed of the chromosome's bands and texture.</summary>
    internal ulong Seed { get; }

    /// <summary>The p telomere's position on the axis (metres, specimen coordinates).</summary>
    public double StartX { get; }

    public double StartY { get; }

    /// <summary>Axis direction at the p telomere, radians from +x.</summary>
    public double Direction { get; }

    /// <summary>Signed axis curvature (1/m; positive turns left).</summary>
    public double Curvature { get; }

    public double Length { get; }

    /// <summary>Full width across both chromatids.</summary>
    public double Width { get; }

    /// <summary>Peak chromatid height away from the constriction.</summary>
    public double Height { get; }

    public double CentromericIndex { get; }
    public double GrooveDepth { get; }
    public double ConstrictionDepth { get; }

    public double CentromereArcLength => CentromericIndex * Length;

    /// <summary>Half-length of the centromere region along the axis (1.3 σ of the constriction, σ = 0.35 × width).</summary>
    public double CentromereHalfLength => CentromereExtent * _constrictionSigma;

    public double PArmLength => CentromereArcLength;
    public double QArmLength => Length - CentromereArcLength;

    /// <summary>The axis sampled at 33 evenly spaced arc lengths, p telomere first.</summary>
    public IReadOnlyList<(double X, double Y)> Axis { get; }

    public (double X, double Y) Centromere => AxisPoint(CentromereArcLength);

    internal double BoundsMinX { get; }
    internal double BoundsMaxX { get; }
    internal double BoundsMinY { get; }
    internal double BoundsMaxY { get; }

    /// <summary>The axis point at arc length <paramref name="s"/> from the p telomere.</summary>
    public (double X, double Y) AxisPoint(double s)
    {
        if (_straight)
        {
            return (StartX + (s * _cosDirection), StartY + (s * _sinDirection));
        }

        var rho = 1.0 / Curvature;
        var angle = Direction + (Curvature * s);
        return (_centreX + (rho * Math.Sin(angle)), _centreY - (rho * Math.Cos(angle)));
    }

    /// <summary>
    /// How far the outline reaches from the axis point at arc length <paramref name="s"/> in the unit direction
    /// (<paramref name="ux"/>, <paramref name="uy"/>): the support function of the two chromatids' cross-sections
    /// there (discs of half-width a centred ±c across the axis), both narrowed by the constriction. Across the axis
    /// that is half the local width; past a telomere, the rounded cap.
    /// </summary>
    internal double HalfExtent(double s, double ux, double uy)
    {
        var fromCentromere = (Math.Clamp(s, 0, Length) - CentromereArcLength) / _constrictionSigma;
        var narrowing = 1.0 - (ConstrictionDepth * Math.Exp(-(fromCentromere * fromCentromere)));
        var angle = Direction + (Curvature * s);
        var across = Math.Abs((-Math.Sin(angle) * ux) + (Math.Cos(angle) * uy));
        return narrowing * (_chromatidHalfWidth + (_chromatidOffset * across));
    }

    /// <summary>
    /// This chromosome's height above the substrate at (x, y), and the region there. Zero (and
    /// <see cref="SpecimenRegion.Background"/>) outside the chromatids.
    /// </summary>
    internal double Evaluate(double x, double y, out SpecimenRegion region)
    {
        region = SpecimenRegion.Background;
        if (x < BoundsMinX || x > BoundsMaxX || y < BoundsMinY || y > BoundsMaxY)
        {
            return 0;
        }

        if (!ArcCoordinates(x, y, out var s, out var d))
        {
            return 0;
        }

        var beyond = s < 0 ? -s : s > Length ? s - Length : 0.0;
        var along = Math.Clamp(s, 0, Length);
        var fromCentromere = (along - CentromereArcLength) / _constrictionSigma;
        var constriction = Math.Abs(fromCentromere) < 5 ? Math.Exp(-(fromCentromere * fromCentromere)) : 0.0;
        var narrowing = 1.0 - (ConstrictionDepth * constriction);
        var a = _chromatidHalfWidth * narrowing;
        var c = _chromatidOffset * narrowing;
        var inverseA2 = 1.0 / (a * a);
        var beyond2 = beyond * beyond;
        var d1 = d - c;
        var d2 = d + c;
        var u = Math.Min((d1 * d1) + beyond2, (d2 * d2) + beyond2) * inverseA2;
        if (u >= 1.0)
        {
            return 0;
        }

        region = fromCentromere < -CentromereExtent ? SpecimenRegion.PArm : fromCentromere > CentromereExtent ? SpecimenRegion.QArm : SpecimenRegion.Centromere;
        var profile = Math.Sqrt(1.0 - u);
        var bands = 1.0 + (_bandingAmplitude * _bands.Sample(along * _inverseBandLength));
        var texture = 1.0 + (0.03 * _texture.Sample(x, y));
        return Height * (1.0 - (0.5 * ConstrictionDepth * constriction)) * bands * texture * profile;
    }

    /// <summary>
    /// Arc length along the axis (extended past the telomeres) and signed distance to its left; false
    /// (without the arc length) when the point is further from the axis than half the width.
    /// </summary>
    private bool ArcCoordinates(double x, double y, out double s, out double d)
    {
        var halfWidth = 0.5 * Width;
        if (_straight)
        {
            var dx = x - StartX;
            var dy = y - StartY;
            s = (dx * _cosDirection) + (dy * _sinDirection);
            d = (dy * _cosDirection) - (dx * _sinDirection);
            return Math.Abs(d) < halfWidth;
        }

        var vx = x - _centreX;
        var vy = y - _centreY;
        var distance = Math.Sqrt((vx * vx) + (vy * vy));
        d = Curvature > 0 ? _radius - distance : distance - _radius;
        if (Math.Abs(d) >= halfWidth)
        {
            s = 0;
            return false;
        }

        var angle = Curvature > 0 ? Math.Atan2(vx, -vy) : Math.Atan2(-vx, vy);

        // Wrap the angle around the arc's middle so points past either telomere get a small negative or
        // excess arc length rather than one a full turn away.
        var delta = angle - Direction - (0.5 * Curvature * Length);
        delta -= 2.0 * Math.PI * Math.Round(delta / (2.0 * Math.PI));
        s = (0.5 * Length) + (delta / Curvature);
        return true;
    }
}
