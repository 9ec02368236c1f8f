namespace AfmEdge.Simulation.Specimens;

/// <summary>The label of a point; the numeric values are those of the label image (labels.gsf).</summary>
public enum SpecimenRegion : byte
{
    Background = 0,

    /// <summary>The short arm, from the p telomere to the centromere.</summary>
    PArm = 1,

    /// <summary>The primary constriction between the arms.</summary>
    Centromere = 2,

    /// <summary>The long arm, from the centromere to the q telomere.</summary>
    QArm = 3,
}
