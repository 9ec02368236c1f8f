using System.Diagnostics;

namespace AfmEdge.Cli;

/// <summary>Starts this CLI again as a child process, for benchmarks that need a fresh process or other runtime settings.</summary>
internal static class SelfProcess
{
    /// <summary>A start description running `afmedge <paramref name="arguments"/>` with stdout and stderr redirected.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "afmedge")
        {
            start.FileName = self;
        }
        else
        {
            // Started as `dotnet afmedge.dll` (or hosted by another program, as in tests): run the assembly on dotnet.
            start.FileName = self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet"
                ? self
                : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
            start.ArgumentList.Add(typeof(SelfProcess).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    /// <summary>Runs the child to its end; its exit code, and its stdout followed by its stderr.</summary>
    public static (int Code, string Text) Run(ProcessStartInfo start)
    {
        ArgumentNullException.ThrowIfNull(start);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("The measuring process did not start.");
        var errorText = process.StandardError.ReadToEndAsync();
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, text + errorText.Result);
    }
}
