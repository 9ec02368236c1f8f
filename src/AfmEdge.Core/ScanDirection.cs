namespace AfmEdge.Core;

/// <summary>Which half of a fast-axis line a channel was recorded on.</summary>
public enum ScanDirection
{
    Trace,
    Retrace,
}
