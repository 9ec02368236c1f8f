using System.CommandLine;
using System.Globalization;
using AfmEdge.Control;

namespace AfmEdge.Cli;

/// <summary>`afmedge approach`: steps Z toward the surface (virtual microscope, or the board of --config) until the deflection setpoint is reached.</summary>
internal static class ApproachCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var (config, seed, tipGap) = ZCommands.ZOptions();
        var command = new Command("approach", "Approach the tip to the surface (Z steps until the deflection setpoint) and report the Z at contact.")
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
            await error.WriteLineAsync("afmedge approach: " + problem);
            return ExitCodes.BadUsageOrConfig;
        }

        var (scanner, code) = await ZCommands.OpenAsync("approach", config, ZCommands.Raster, virtualOptions, error);
        if (scanner is null)
        {
            return code;
        }

        using (scanner)
        {
            var engine = scanner.Engine;
            try
            {
                await engine.ApproachAsync(cancellationToken);
            }
            catch (ScanFaultException e)
            {
                await error.WriteLineAsync($"afmedge approach: fault {e.Fault.Kind}: {e.Fault.Reason} (Z retracted to {engine.Axes.Z.Volts.ToString("0.000", CultureInfo.InvariantCulture)} V)");
                return ExitCodes.RuntimeFailure;
            }

            var z = engine.Axes.Z;
            double extensionNm = (z.Volts - z.Calibration.MinVolts) * z.Calibration.MetresPerVolt * 1e9;
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"Engaged after {engine.Statistics.ApproachSteps} Z steps: Z at contact {z.Volts:0.000} V ({extensionNm:0.0} nm extended from fully retracted), deflection setpoint {engine.Options.SetpointVolts:0.000} V reached."));
            return ExitCodes.Ok;
        }
    }
}
