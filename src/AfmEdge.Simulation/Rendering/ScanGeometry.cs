using AfmEdge.Core;

namespace AfmEdge.Simulation.Rendering;

/// <summary>
/// Maps scan-frame coordinates (u along the fast axis, v along the slow axis, metres from the scan's
/// origin corner) to specimen coordinates. The scan area's origin corner is at (OffsetX, OffsetY) when
/// unrotated; a rotation by AngleDegrees turns the area about its centre, so a rotated scan sees the same
/// place.
/// </summary>
internal readonly struct ScanGeometry
{
    private readonly double _centreX;
    private readonly double _centreY;
    private readonly double _halfX;
    private readonly double _halfY;

    public ScanGeometry(ScanSettings scan)
    {
        _halfX = 0.5 * scan.SizeX;
        _halfY = 0.5 * scan.SizeY;
        _centreX = scan.OffsetX + _halfX;
        _centreY = scan.OffsetY + _halfY;
        var angle = scan.AngleDegrees * Math.PI / 180.0;
        Cos = Math.Cos(angle);
        Sin = Math.Sin(angle);
    }

    public double Cos { get; }
    public double Sin { get; }

    public (double X, double Y) ToSpecimen(double u, double v)
    {
        var du = u - _halfX;
        var dv = v - _halfY;
        return (_centreX + (Cos * du) - (Sin * dv), _centreY + (Sin * du) + (Cos * dv));
    }

    public (double U, double V) ToScan(double x, double y)
    {
        var dx = x - _centreX;
        var dy = y - _centreY;
        return (_halfX + (Cos * dx) + (Sin * dy), _halfY - (Sin * dx) + (Cos * dy));
    }

    /// <summary>A specimen-frame vector (drift velocity) in scan-frame components.</summary>
    public (double U, double V) VectorToScan(double x, double y) => ((Cos * x) + (Sin * y), (-Sin * x) + (Cos * y));
}
