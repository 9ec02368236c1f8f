namespace AfmEdge.Simulation.Specimens;

/// <summary>How a chromosome placed touching another meets it (<see cref="SpecimenOptions.TouchProbability"/>).</summary>
public enum TouchKind
{
    /// <summary>Centred within reach of the other's axis, in any direction: it usually lies across it, draped over it (heights add).</summary>
    Crossing,

    /// <summary>
    /// Pushed along the line of closest approach until its edge meets the other's (<see cref="SpecimenOptions.ContactGap"/>):
    /// side to side or tip to side, each keeping its own outline, as touching chromosomes do on a spread.
    /// </summary>
    Contact,
}
