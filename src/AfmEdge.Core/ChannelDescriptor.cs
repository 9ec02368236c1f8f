namespace AfmEdge.Core;

/// <summary>The identity of a channel without its data: what a source announces before it scans.</summary>
public sealed record ChannelDescriptor(string Name, PhysicalUnit Unit, ScanDirection Direction = ScanDirection.Trace)
{
    /// <summary>"Height" for trace, "Height-retrace" for retrace: the file and topic naming used everywhere.</summary>
    public string Key => ChannelKey(Name, Direction);

    public static string ChannelKey(string name, ScanDirection direction) =>
        direction == ScanDirection.Trace ? name : name + "-retrace";
}
