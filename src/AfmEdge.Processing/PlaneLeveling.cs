namespace AfmEdge.Processing;

/// <summary>
/// Subtracts the least-squares plane z = a + b·x + c·y (x, y in pixels), as Gwyddion's "Plane level"
/// (gwy_data_field_fit_plane / gwy_data_field_area_fit_plane_mask + gwy_data_field_plane_level, libprocess/level.c).
/// Sums run in double over coordinates centred on the grid, one pass to fit and one to subtract.
/// </summary>
public sealed class PlaneLeveling : GridOperation
{
    private static readonly (int, int)[] PlaneTerms = [(0, 0), (1, 0), (0, 1)];

    private SurfaceFit? _fit;

    public override string Name => "level:plane";

    public override void Run(ReadOnlySpan<float> input, Span<float> output, int width, int height, ReadOnlySpan<byte> exclude)
    {
        Check(input, output, width, height, exclude);
        var fit = SurfaceFit.For(ref _fit, PlaneTerms, width, height);
        fit.Subtract(input, output, fit.Fit(input, exclude));
    }

    /// <summary>Levels <paramref name="input"/> into <paramref name="output"/> (they may be the same span).</summary>
    public static (double Offset, double SlopeX, double SlopeY) Level(ReadOnlySpan<float> input, Span<float> output, int width, int height)
    {
        Grid.Check(input.Length, output.Length, width, height);
        var fit = new SurfaceFit(PlaneTerms, width, height);
        var c = fit.Fit(input, ReadOnlySpan<byte>.Empty);
        fit.Subtract(input, output, c);
        return ToPixels(c, width, height);
    }

    /// <summary>The plane through the centred grid: value at the centre, slope per pixel along x and along y.</summary>
    public static (double Offset, double SlopeX, double SlopeY) Fit(ReadOnlySpan<float> data, int width, int height, ReadOnlySpan<byte> exclude = default)
    {
        Grid.Check(data.Length, data.Length, width, height);
        Grid.CheckMask(exclude.Length, width, height);
        return ToPixels(new SurfaceFit(PlaneTerms, width, height).Fit(data, exclude), width, height);
    }

    private static (double, double, double) ToPixels(double[] c, int width, int height)
    {
        var sx = width > 1 ? (width - 1) / 2.0 : 1.0;
        var sy = height > 1 ? (height - 1) / 2.0 : 1.0;
        return (c[0], c[1] / sx, c[2] / sy);
    }
}
