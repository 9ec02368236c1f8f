namespace AfmEdge.Cli;

/// <summary>What `afmedge` returns, so scripts and systemd can tell a typo from a fault.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int RuntimeFailure = 1;
    public const int BadUsageOrConfig = 2;
}
