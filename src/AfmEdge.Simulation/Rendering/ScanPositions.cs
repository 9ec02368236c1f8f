using AfmEdge.Core;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Simulation.Rendering;

/// <summary>
/// Where a scan's pixels really were on the specimen: per pixel, scan coordinates in metres (u along the fast axis,
/// v along the slow axis, as <see cref="ScanSettings"/> places the nominal grid). <see cref="IdealScan.TipPositions"/>
/// gives them for an instrument scan (hysteresis, creep, drift, lag and the retrace offset moved the tip); the specimen
/// sampled there (<see cref="RenderClean"/>, <see cref="Truth.TruthMaps.Render(ISpecimen, ScanPositions)"/>) is what
/// that frame shows, where the nominal grid is what it should have shown.
/// </summary>
public sealed class ScanPositions
{
    private readonly double[] _u;
    private readonly double[] _v;

    /// <param name="scan">The nominal scan the positions belong to (its grid and field).</param>
    /// <param name="u">Fast-axis position of every pixel, row by row, metres.</param>
    /// <param name="v">Slow-axis position of every pixel, row by row, metres.</param>
    public ScanPositions(ScanSettings scan, double[] u, double[] v)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(u);
        ArgumentNullException.ThrowIfNull(v);
        var pixels = scan.PixelsX * scan.PixelsY;
        if (u.Length != pixels || v.Length != pixels)
        {
            throw new ArgumentException($"Positions of a {scan.PixelsX}×{scan.PixelsY} scan need {pixels} values each, got u {u.Length} and v {v.Length}.", nameof(u));
        }

        Scan = scan;
        _u = u;
        _v = v;
    }

    public ScanSettings Scan { get; }

    public ReadOnlyMemory<double> U => _u;

    public ReadOnlyMemory<double> V => _v;

    /// <summary>The nominal grid's pixel centres: no displacement.</summary>
    public static ScanPositions Nominal(ScanSettings scan)
    {
        ArgumentNullException.ThrowIfNull(scan);
        var u = new double[scan.PixelsX * scan.PixelsY];
        var v = new double[u.Length];
        for (var j = 0; j < scan.PixelsY; j++)
        {
            for (var i = 0; i < scan.PixelsX; i++)
            {
                u[(j * scan.PixelsX) + i] = (i + 0.5) * scan.PixelSizeX;
                v[(j * scan.PixelsX) + i] = (j + 0.5) * scan.PixelSizeY;
            }
        }

        return new ScanPositions(scan, u, v);
    }

    /// <summary>
    /// Pixel by pixel midway between two position sets of the same scan: where a frame registered to the midpoint of
    /// trace and retrace (or merged from them) has each pixel.
    /// </summary>
    public static ScanPositions Midway(ScanPositions a, ScanPositions b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Scan.PixelsX != b.Scan.PixelsX || a.Scan.PixelsY != b.Scan.PixelsY)
        {
            throw new ArgumentException($"Positions of a {a.Scan.PixelsX}×{a.Scan.PixelsY} and a {b.Scan.PixelsX}×{b.Scan.PixelsY} scan cannot be paired.", nameof(b));
        }

        var u = new double[a._u.Length];
        var v = new double[u.Length];
        for (var p = 0; p < u.Length; p++)
        {
            u[p] = 0.5 * (a._u[p] + b._u[p]);
            v[p] = 0.5 * (a._v[p] + b._v[p]);
        }

        return new ScanPositions(a.Scan, u, v);
    }

    /// <summary>
    /// The displacement (real − nominal, metres) at scan position (<paramref name="u"/>, <paramref name="v"/>):
    /// bilinear between the pixel centres, the nearest edge value beyond them.
    /// </summary>
    public (double Du, double Dv) DisplacementAt(double u, double v)
    {
        int w = Scan.PixelsX, h = Scan.PixelsY;
        double px = Scan.PixelSizeX, py = Scan.PixelSizeY;
        var fx = Math.Clamp((u / px) - 0.5, 0, w - 1);
        var fy = Math.Clamp((v / py) - 0.5, 0, h - 1);
        int i0 = Math.Min((int)fx, w - 1), j0 = Math.Min((int)fy, h - 1);
        int i1 = Math.Min(i0 + 1, w - 1), j1 = Math.Min(j0 + 1, h - 1);
        double ax = fx - i0, ay = fy - j0;
        var du = Lerp(Lerp(DeltaU(i0, j0), DeltaU(i1, j0), ax), Lerp(DeltaU(i0, j1), DeltaU(i1, j1), ax), ay);
        var dv = Lerp(Lerp(DeltaV(i0, j0), DeltaV(i1, j0), ax), Lerp(DeltaV(i0, j1), DeltaV(i1, j1), ax), ay);
        return (du, dv);

        double DeltaU(int i, int j) => _u[(j * w) + i] - ((i + 0.5) * px);
        double DeltaV(int i, int j) => _v[(j * w) + i] - ((j + 0.5) * py);
    }

    private static double Lerp(double a, double b, double t) => a + ((b - a) * t);

    /// <summary>
    /// These positions carried onto another grid over the same field (a frame enlarged from this scan): each new pixel
    /// is displaced as the scan was displaced there, the displacement interpolated bilinearly.
    /// </summary>
    public ScanPositions Resampled(ScanSettings target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (Math.Abs(target.SizeX - Scan.SizeX) > 1e-6 * Scan.SizeX || Math.Abs(target.SizeY - Scan.SizeY) > 1e-6 * Scan.SizeY)
        {
            throw new ArgumentException($"The target field {target.SizeX}×{target.SizeY} m is not this scan's {Scan.SizeX}×{Scan.SizeY} m.", nameof(target));
        }

        var u = new double[target.PixelsX * target.PixelsY];
        var v = new double[u.Length];
        for (var j = 0; j < target.PixelsY; j++)
        {
            for (var i = 0; i < target.PixelsX; i++)
            {
                double nu = (i + 0.5) * target.PixelSizeX, nv = (j + 0.5) * target.PixelSizeY;
                var (du, dv) = DisplacementAt(nu, nv);
                u[(j * target.PixelsX) + i] = nu + du;
                v[(j * target.PixelsX) + i] = nv + dv;
            }
        }

        return new ScanPositions(target, u, v);
    }

    /// <summary>
    /// The specimen's clean fields (Height, Current, Potential, Adhesion; trace only) sampled at these positions: the
    /// frame an instrument without noise, tip or feedback would give with this scan's path.
    /// </summary>
    public Frame RenderClean(ISpecimen specimen)
    {
        ArgumentNullException.ThrowIfNull(specimen);
        return CleanFrame(Sample(specimen));
    }

    /// <summary>
    /// <see cref="RenderClean"/> and <see cref="Truth.TruthMaps.Render(ISpecimen, ScanPositions)"/> together, from one
    /// sampling of the specimen (each alone samples every position).
    /// </summary>
    public (Frame Clean, Truth.TruthMaps Maps) RenderCleanAndTruth(ISpecimen specimen)
    {
        ArgumentNullException.ThrowIfNull(specimen);
        var points = Sample(specimen);
        return (CleanFrame(points), Truth.TruthMaps.FromPoints(Scan, points));
    }

    private Frame CleanFrame(SpecimenPoint[] points)
    {
        var data = new float[4][];
        for (var c = 0; c < data.Length; c++)
        {
            data[c] = new float[points.Length];
        }

        SpecimenRows.Scatter(points, data[0], data[1], data[2], data[3]);
        var descriptors = SimulatedChannels.Descriptors(false);
        var channels = new Channel[descriptors.Count];
        for (var c = 0; c < channels.Length; c++)
        {
            channels[c] = new Channel(descriptors[c], Scan.PixelsX, Scan.PixelsY, data[c]);
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["source"] = "AfmEdge.Simulation.ScanPositions",
            ["clean"] = "true",
        };
        return new Frame(new FrameId(DateTimeOffset.UnixEpoch, 0), Scan, channels, metadata);
    }

    /// <summary>The specimen at every position (rows in parallel; the specimen is thread-safe).</summary>
    internal SpecimenPoint[] Sample(ISpecimen specimen)
    {
        var geometry = new ScanGeometry(Scan);
        var width = Scan.PixelsX;
        var points = new SpecimenPoint[_u.Length];
        Parallel.For(0, Scan.PixelsY, j =>
        {
            for (var p = j * width; p < (j + 1) * width; p++)
            {
                var (x, y) = geometry.ToSpecimen(_u[p], _v[p]);
                points[p] = specimen.Sample(x, y);
            }
        });
        return points;
    }
}
