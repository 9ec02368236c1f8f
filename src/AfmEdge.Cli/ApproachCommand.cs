using System.CommandLine;
using System.Globalization;
using AfmEdge.Control;

namespace AfmEdge.Cli;

/// <summary>`afmedge approach`: steps Z toward the surface of the virtual microscope until the deflection setpoint is reached.</summary>
internal static class ApproachCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var seed = new Option<int>("--seed") { Description = "Seed of the virtual sample and noise.", DefaultValueFactory = _ => 1 };
        var tipGap = new Option<double?>("--tip-gap-nm") { Description = "Tip height above the substrate at zero Z extension, nm (default: the virtual microscope's 100 nm)." };
        var command = new Command("approach", "Approach the tip to the surface of the virtual microscope (Z steps until the deflection setpoint) and report the Z at contact.")
        {
            seed, tipGap,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(seed), parse.GetValue(tipGap), output, error, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(int seed, double? tipGapNm, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!ZCommands.TryCreateScanner(seed, tipGapNm, out var scanner, out var problem))
        {
            await error.WriteLineAsync("afmedge approach: " + problem);
            return ExitCodes.BadUsageOrConfig;
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
