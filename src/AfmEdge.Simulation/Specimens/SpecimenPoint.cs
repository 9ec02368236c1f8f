namespace AfmEdge.Simulation.Specimens;

/// <summary>
/// Everything a specimen holds at one physical point: its topography and the three physical fields in
/// base SI units, and the ground-truth labels. <see cref="Instance"/> is 0 off chromosomes, else the
/// 1-based id of the chromosome on top.
/// </summary>
public readonly record struct SpecimenPoint(
    double Height,
    double Current,
    double Potential,
    double Adhesion,
    SpecimenRegion Region,
    int Instance);
