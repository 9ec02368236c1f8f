namespace AfmEdge.Simulation.Specimens;

/// <summary>
/// A sample under the microscope: a deterministic function of physical position (metres, specimen
/// coordinates). Implementations must be thread-safe for concurrent <see cref="Sample"/> calls.
/// </summary>
public interface ISpecimen
{
    SpecimenPoint Sample(double x, double y);
}
