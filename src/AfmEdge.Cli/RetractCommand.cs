using System.CommandLine;
using System.Globalization;
using AfmEdge.Control;

namespace AfmEdge.Cli;

/// <summary>`afmedge retract`: ramps Z (virtual microscope, or the board of --config) to fully retracted, slew-limited, and reports where it ended.</summary>
internal static class RetractCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var (config, seed, tipGap) = ZCommands.ZOptions();
        var command = new Command("retract", "Retract Z fully (slew-limited) and report the final Z.")
        {
            config, seed, tipGap,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(config), parse.GetValue(seed), parse.GetValue(tipGap), output, error, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo? config, int seed, double? tipGapNm, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (ZCommands.VirtualOptions(seed, tipGapNm, out var virtualOptions) is { } problem)
        {
            await error.WriteLineAsync("afmedge retract: " + problem);
            return ExitCodes.BadUsageOrConfig;
        }

        var (scanner, code) = await ZCommands.OpenAsync("retract", config, ZCommands.Raster, virtualOptions, error);
        if (scanner is null)
        {
            return code;
        }

        using (scanner)
        {
            var engine = scanner.Engine;
            try
            {
                await engine.RetractAsync(cancellationToken);
            }
            catch (ScanFaultException e)
            {
                await error.WriteLineAsync($"afmedge retract: fault {e.Fault.Kind}: {e.Fault.Reason}");
                return ExitCodes.RuntimeFailure;
            }

            var z = engine.Axes.Z;
            double extensionNm = (z.Volts - z.Calibration.MinVolts) * z.Calibration.MetresPerVolt * 1e9;
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"Retracted: final Z {z.Volts:0.000} V ({extensionNm:0.0} nm extended; window [{z.Calibration.MinVolts}, {z.Calibration.MaxVolts}] V), disengaged."));
            return ExitCodes.Ok;
        }
    }
}
