using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Simulation.Rendering;

/// <summary>Samples a specimen along one row of a grid in scan coordinates, using the fast path where the specimen has one.</summary>
internal static class SpecimenRows
{
    /// <summary>Fills <paramref name="output"/> with the specimen at scan coordinates (u0 + i·du, v).</summary>
    public static void Sample(ISpecimen specimen, in ScanGeometry geometry, double u0, double v, double du, Span<SpecimenPoint> output)
    {
        var (x0, y0) = geometry.ToSpecimen(u0, v);
        var dx = geometry.Cos * du;
        var dy = geometry.Sin * du;
        if (specimen is ChromosomeSpecimen chromosomes)
        {
            chromosomes.SampleLine(x0, y0, dx, dy, output);
            return;
        }

        for (var i = 0; i < output.Length; i++)
        {
            output[i] = specimen.Sample(x0 + (i * dx), y0 + (i * dy));
        }
    }

    /// <summary>Writes the points' height and fields into four planes (same length as <paramref name="points"/>).</summary>
    public static void Scatter(ReadOnlySpan<SpecimenPoint> points, Span<float> height, Span<float> current, Span<float> potential, Span<float> adhesion)
    {
        for (var i = 0; i < points.Length; i++)
        {
            height[i] = (float)points[i].Height;
            current[i] = (float)points[i].Current;
            potential[i] = (float)points[i].Potential;
            adhesion[i] = (float)points[i].Adhesion;
        }
    }
}
