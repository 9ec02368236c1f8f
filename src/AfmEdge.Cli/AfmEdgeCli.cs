using System.CommandLine;
using System.Reflection;

namespace AfmEdge.Cli;

/// <summary>The `afmedge` command line. Public so tests run it in-process with their own writers.</summary>
public static class AfmEdgeCli
{
    public static RootCommand BuildRootCommand(TextWriter output, TextWriter error)
    {
        var root = new RootCommand(
            "AfmEdge: the edge controller beside an atomic force microscope. It scans, cleans, enhances and analyses " +
            "frames and publishes them over MQTT.");
        root.Subcommands.Add(RunCommand.Create(output, error));
        root.Subcommands.Add(InfoCommand.Create(output, error));
        root.Subcommands.Add(ConvertCommand.Create(output, error));
        root.Subcommands.Add(SimulateCommand.Create(output, error));
        root.Subcommands.Add(ProcessCommand.Create(output, error));
        root.Subcommands.Add(BenchCommand.Create(output, error));
        root.Subcommands.Add(ScanCommand.Create(output, error));
        root.Subcommands.Add(ApproachCommand.Create(output, error));
        root.Subcommands.Add(RetractCommand.Create(output, error));
        root.Subcommands.Add(EnhanceCommand.Create(output, error));
        root.Subcommands.Add(CorrelateCommand.Create(output, error));
        root.Subcommands.Add(TrainCommand.Create(output, error));
        root.Subcommands.Add(EvalCommand.Create(output, error));
        root.Subcommands.Add(FineTuneCommand.Create(output, error));
        return root;
    }

    public static async Task<int> InvokeAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var root = BuildRootCommand(output, error);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                await error.WriteLineAsync("afmedge: " + e.Message);
            }

            await error.WriteLineAsync("Run 'afmedge --help' for usage.");
            return ExitCodes.BadUsageOrConfig;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
    }

    public static string Version =>
        typeof(AfmEdgeCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}
