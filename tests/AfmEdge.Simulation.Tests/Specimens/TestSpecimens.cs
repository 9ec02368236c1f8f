using AfmEdge.Core;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Simulation.Tests.Specimens;

/// <summary>A straight step: <see cref="Height"/> for x ≥ <see cref="EdgeX"/>, 0 below.</summary>
internal sealed class StepSpecimen(double edgeX, double height) : ISpecimen
{
    public double EdgeX { get; } = edgeX;
    public double Height { get; } = height;

    public SpecimenPoint Sample(double x, double y) =>
        new(x >= EdgeX ? Height : 0, 0, 0, 0, SpecimenRegion.Background, 0);
}

/// <summary>A rectangular plateau between two x positions (a leading and a trailing edge).</summary>
internal sealed class PlateauSpecimen(double fromX, double toX, double height) : ISpecimen
{
    public SpecimenPoint Sample(double x, double y) =>
        new(x >= fromX && x < toX ? height : 0, 0, 0, 0, SpecimenRegion.Background, 0);
}

/// <summary>A Gaussian bump, mirrored in every field so probe offsets are visible too.</summary>
internal sealed class BumpSpecimen(double centreX, double centreY, double sigma, double height) : ISpecimen
{
    public SpecimenPoint Sample(double x, double y)
    {
        var r2 = ((x - centreX) * (x - centreX)) + ((y - centreY) * (y - centreY));
        var h = height * Math.Exp(-r2 / (2 * sigma * sigma));
        return new SpecimenPoint(h, h * 1e-3, h * 1e3, h * 1e-1, SpecimenRegion.Background, 0);
    }
}

/// <summary>Height stripes: a sine of the given period along x (fast axis) or y (slow axis).</summary>
internal sealed class StripeSpecimen(double period, bool alongX, double amplitude) : ISpecimen
{
    public SpecimenPoint Sample(double x, double y) =>
        new(amplitude * Math.Sin(2 * Math.PI * (alongX ? x : y) / period), 0, 0, 0, SpecimenRegion.Background, 0);
}

internal static class TestScans
{
    /// <summary>Default specimens with a coarse reference grid: for tests that do not check the fields' statistics.</summary>
    public static SpecimenOptions QuickSpecimen { get; } = new() { ReferenceGridPixels = 128 };

    public static ScanSettings Square(double size, int pixels, double lineRate = 1.0) => new()
    {
        SizeX = size,
        SizeY = size,
        PixelsX = pixels,
        PixelsY = pixels,
        LineRateHz = lineRate,
    };

    /// <summary>Pearson r of two equally long samples; NaN without variance.</summary>
    public static double Pearson(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var n = a.Count;
        double ma = 0, mb = 0;
        for (var i = 0; i < n; i++)
        {
            ma += a[i];
            mb += b[i];
        }

        ma /= n;
        mb /= n;
        double sab = 0, saa = 0, sbb = 0;
        for (var i = 0; i < n; i++)
        {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }

        return sab / Math.Sqrt(saa * sbb);
    }
}
