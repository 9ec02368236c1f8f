using AfmEdge.Core;

namespace AfmEdge.Simulation.Specimens;

/// <summary>
/// The channels the virtual three-probe microscope records, in the order every frame and line uses:
/// Height and Adhesion from probe 1 (the topography probe), Current from probe 2 (conductive module 1),
/// Potential from probe 3 (conductive module 2).
/// </summary>
public static class SimulatedChannels
{
    public const string Height = "Height";
    public const string Current = "Current";
    public const string Potential = "Potential";
    public const string Adhesion = "Adhesion";

    /// <summary>Names in frame order.</summary>
    public static IReadOnlyList<string> Names { get; } = [Height, Current, Potential, Adhesion];

    public static PhysicalUnit UnitOf(string name) => name switch
    {
        Height => PhysicalUnit.Metre,
        Current => PhysicalUnit.Ampere,
        Potential => PhysicalUnit.Volt,
        Adhesion => PhysicalUnit.Newton,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not a simulated channel; expected Height, Current, Potential or Adhesion."),
    };

    /// <summary>The descriptors of a frame: the four trace channels, then (optionally) the four retrace channels.</summary>
    public static IReadOnlyList<ChannelDescriptor> Descriptors(bool includeRetrace)
    {
        var list = new List<ChannelDescriptor>(8);
        foreach (var name in Names)
        {
            list.Add(new ChannelDescriptor(name, UnitOf(name), ScanDirection.Trace));
        }

        if (includeRetrace)
        {
            foreach (var name in Names)
            {
                list.Add(new ChannelDescriptor(name, UnitOf(name), ScanDirection.Retrace));
            }
        }

        return list;
    }
}
