using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Simulation.VirtualAfm;

/// <summary>
/// A chromosome specimen as the closed-loop virtual AFM's sample, so `afmedge scan --seed N` scans the same
/// specimen `afmedge simulate --seed N` renders. The AFM's coordinates are those of the scanner (the scan centred
/// on its offset); <paramref name="originX"/>, <paramref name="originY"/> is where the scanner's (0, 0) lies in the
/// specimen's field.
/// </summary>
public sealed class SpecimenSurface(ISpecimen specimen, double originX, double originY) : ISurface
{
    private double _lastX = double.NaN;
    private double _lastY = double.NaN;
    private SpecimenPoint _last;

    public double HeightAt(double x, double y) => At(x, y).Height;

    public double CurrentAt(double x, double y) => At(x, y).Current;

    public double PotentialAt(double x, double y) => At(x, y).Potential;

    public double AdhesionAt(double x, double y) => At(x, y).Adhesion;

    /// <summary>Samples a row from (<paramref name="x0"/>, <paramref name="y"/>) in steps of <paramref name="dx"/>; safe to call from several threads.</summary>
    internal void SampleRow(double x0, double y, double dx, Span<SpecimenPoint> output)
    {
        if (specimen is ChromosomeSpecimen chromosomes)
        {
            chromosomes.SampleLine(x0 + originX, y + originY, dx, 0, output);
            return;
        }

        for (var i = 0; i < output.Length; i++)
        {
            output[i] = specimen.Sample(x0 + originX + (i * dx), y + originY);
        }
    }

    // The AFM asks for every field at the same point in turn; one specimen sample serves all four.
    private SpecimenPoint At(double x, double y)
    {
        if (x != _lastX || y != _lastY)
        {
            _last = specimen.Sample(x + originX, y + originY);
            _lastX = x;
            _lastY = y;
        }

        return _last;
    }
}
