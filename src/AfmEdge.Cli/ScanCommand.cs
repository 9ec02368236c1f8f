using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AfmEdge.Control;
using AfmEdge.Core;
using AfmEdge.Formats.Gsf;
using AfmEdge.Host.Sources;

namespace AfmEdge.Cli;

/// <summary>`afmedge scan`: one closed-loop frame on the virtual microscope (or the board of --config), written as GSF files.</summary>
internal static class ScanCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var outDir = new Option<DirectoryInfo>("--out", "-o") { Description = "Directory for <Channel>.gsf and <Channel>-retrace.gsf.", Required = true };
        var pixels = new Option<int>("--pixels", "-p") { Description = "Pixels per line and lines per frame.", DefaultValueFactory = _ => 256 };
        var lineRate = new Option<double>("--line-rate") { Description = "Lines per second (trace + retrace).", DefaultValueFactory = _ => 1.0 };
        var sizeUm = new Option<double>("--size-um") { Description = "Scan size in micrometres (square).", DefaultValueFactory = _ => 5.0 };
        var overscan = new Option<double>("--overscan") { Description = "Fraction of the line scanned past each end and not kept (turnaround room), 0 to 0.5.", DefaultValueFactory = _ => 0.0 };
        var seed = new Option<int>("--seed") { Description = "Seed of the virtual sample and noise.", DefaultValueFactory = _ => 1 };
        var realTime = new Option<bool>("--real-time") { Description = "Pace the loop on the system clock (measures real loop jitter) instead of the virtual clock." };
        var gainScale = new Option<double>("--gain-scale") { Description = "Multiply the virtual microscope's tuned Z gains (10: too high, oscillation is detected).", DefaultValueFactory = _ => 1.0 };
        var setpoint = new Option<double?>("--setpoint") { Description = $"Deflection setpoint in volts on the virtual microscope (default {ClosedLoopMicroscope.DefaultSetpointVolts})." };
        var slack = new Option<double?>("--watchdog-slack-ms") { Description = "How late a point may be before the watchdog stops the scan (virtual microscope; default 5 ms): widen it to measure --real-time jitter on a loaded machine." };
        var config = ZCommands.ConfigOption();
        var command = new Command("scan", "Scan one frame in closed loop (drivers, chips, Z feedback) on the virtual microscope or the board of --config, and write GSF files.")
        {
            outDir, pixels, lineRate, sizeUm, overscan, seed, realTime, gainScale, setpoint, slack, config,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var virtualOptions = new ClosedLoopOptions
            {
                Seed = parse.GetValue(seed),
                RealTime = parse.GetValue(realTime),
                GainScale = parse.GetValue(gainScale),
                SetpointVolts = parse.GetValue(setpoint),
                WatchdogSlack = parse.GetValue(slack) is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
            };
            return RunAsync(
                parse.GetValue(outDir)!, parse.GetValue(pixels), parse.GetValue(lineRate), parse.GetValue(sizeUm), parse.GetValue(overscan), virtualOptions, parse.GetValue(config), output, error, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(DirectoryInfo outDir, int pixels, double lineRate, double sizeUm, double overscan, ClosedLoopOptions virtualOptions, FileInfo? config, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var scan = new ScanSettings { SizeX = sizeUm * 1e-6, SizeY = sizeUm * 1e-6, PixelsX = pixels, PixelsY = pixels, LineRateHz = lineRate, Overscan = overscan };
        var scanErrors = scan.Validate();
        if (scanErrors.Count > 0)
        {
            await error.WriteLineAsync("afmedge scan: Invalid scan options: " + string.Join(" ", scanErrors));
            return ExitCodes.BadUsageOrConfig;
        }

        var (scanner, code) = await ZCommands.OpenAsync("scan", config, scan, virtualOptions, error);
        if (scanner is null)
        {
            return code;
        }

        using (scanner)
        {
            var engine = scanner.Engine;
            Frame? frame;
            var wall = Stopwatch.StartNew();
            try
            {
                frame = await OneFrame.ScanAsync(engine, scan, scanner.Clock, cancellationToken);
            }
            catch (ScanFaultException e)
            {
                await error.WriteLineAsync($"afmedge scan: fault {e.Fault.Kind} at line {e.Fault.LineIndex}: {e.Fault.Reason} (Z retracted; {engine.Statistics.LinesCompleted} lines completed)");
                await error.WriteLineAsync(Lateness(engine.Statistics, scanner.Microscope?.VirtualClock is not null));
                return ExitCodes.RuntimeFailure;
            }

            wall.Stop();
            Directory.CreateDirectory(outDir.FullName);
            foreach (var descriptor in engine.Channels)
            {
                await using var file = File.Create(Path.Combine(outDir.FullName, descriptor.Key + ".gsf"));
                GsfWriter.Write(file, frame!, descriptor.Key);
            }

            var stats = engine.Statistics;
            double frameTime = scan.FrameTime.TotalSeconds;
            var microscope = scanner.Microscope;
            bool onVirtualClock = microscope?.VirtualClock is not null;
            string virtualNote = microscope?.VirtualClock is { } v
                ? string.Create(CultureInfo.InvariantCulture, $"; virtual clock {v.Elapsed.TotalSeconds:0.0} s with approach and moves")
                : string.Empty;
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"Scanned {scan.PixelsY} lines × {scan.PixelsX} px (trace + retrace) at {lineRate} lines/s in {wall.Elapsed.TotalSeconds:0.00} s: {frameTime / wall.Elapsed.TotalSeconds:0.0}× faster than real time ({frameTime:0} s{virtualNote})."));
            await output.WriteLineAsync(Lateness(stats, onVirtualClock));
            if (microscope is not null)
            {
                // Against the tip-dilated surface at the pixel centres, best plane removed (tilt, Z drift); lateral drift,
                // piezo errors, noise and scars count as error, as they would against a reference sample.
                await output.WriteLineAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Height vs tip-dilated surface, RMS (plane removed): trace {microscope.HeightRmsError(frame!.GetChannel("Height")) * 1e9:0.00} nm, retrace {microscope.HeightRmsError(frame.GetChannel("Height", ScanDirection.Retrace)) * 1e9:0.00} nm (gains P {engine.Options.Gains.Proportional:0.###}, I {engine.Options.Gains.Integral:0.#}/s, setpoint {engine.Options.SetpointVolts} V)."));
            }

            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"Scan thread allocated {stats.AllocatedBytesPerLine:0.#} B/line on average after {ScanStatistics.WarmupLines} warm-up lines (max {stats.MaxAllocatedBytesPerLine} B); {stats.Points} control points."));
            await output.WriteLineAsync($"Wrote {engine.Channels.Count} GSF files to {outDir.FullName}");
            return ExitCodes.Ok;
        }
    }

    private static string Lateness(ScanStatistics stats, bool virtualClock) => string.Create(
        CultureInfo.InvariantCulture,
        $"Point deadline lateness ({(virtualClock ? "virtual" : "system")} clock, {stats.Points} points): p50 {stats.LatenessPercentile(50).TotalMicroseconds:0} µs, p99 {stats.LatenessPercentile(99).TotalMicroseconds:0} µs, max {stats.MaxLateness.TotalMicroseconds:0.0} µs.");
}
