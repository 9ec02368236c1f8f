using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AfmEdge.Core;
using AfmEdge.Formats;
using AfmEdge.Formats.Gsf;
using AfmEdge.Kernels;
using AfmEdge.Processing;

namespace AfmEdge.Cli;

/// <summary>`afmedge process`: run a processing chain on one channel of a file and write the result as .gsf.</summary>
internal static class ProcessCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var input = new Argument<FileInfo>("IN") { Description = "Input file: .gsf, .gwy, .spm, .ibw, .sxm (anything the importers read)." };
        var channel = new Option<string?>("--channel") { Description = "Channel name or key (e.g. Height, Height-retrace); the first channel by default." };
        var ops = new Option<string>("--ops")
        {
            Description = "Comma-separated steps, e.g. \"align-rows:median,level:plane,gauss:2\"; a per-channel step may end in @CHANNELS (names joined by +, e.g. level:plane@Height) to run on those channels only (see device-config schema).",
            Required = true,
        };
        var outFile = new Option<FileInfo?>("--out", "-o") { Description = "Output .gsf file." };
        var repeat = new Option<int>("--repeat")
        {
            Description = "After a warm-up, run the chain N times on the loaded channel and print the median ms per run as the last line (I/O excluded).",
            DefaultValueFactory = _ => 1,
        };
        var accelerator = AcceleratorOption();
        var command = new Command("process", "Clean one channel of an AFM file (leveling, row alignment, scars, filters) and write it as .gsf.")
        {
            input, channel, ops, outFile, repeat, accelerator,
        };
        command.SetAction((parse, _) => Task.FromResult(Run(
            parse.GetValue(input)!, parse.GetValue(channel), parse.GetValue(ops)!, parse.GetValue(outFile), parse.GetValue(repeat), parse.GetValue(accelerator)!, output, error)));
        return command;
    }

    /// <summary>--accelerator, as `process` and `bench process` take it (AfmEdge:Processing:Accelerator's values).</summary>
    internal static Option<string> AcceleratorOption() => new("--accelerator")
    {
        Description = $"Where the grid steps that have an ILGPU kernel run: {string.Join(", ", ProcessingAccelerator.Names)} " +
                      "(cpu: the SIMD code; auto: a CUDA or OpenCL GPU if there is one; ilgpu-cpu: ILGPU's slow CPU accelerator). Other steps run on the CPU.",
        DefaultValueFactory = _ => ProcessingAccelerator.Cpu,
    };

    /// <summary>Whether --accelerator names a known accelerator; if not, says so on <paramref name="error"/>.</summary>
    internal static bool CheckAccelerator(string command, string name, TextWriter error)
    {
        if (ProcessingAccelerator.IsKnown(name))
        {
            return true;
        }

        error.WriteLine($"afmedge {command}: --accelerator '{name}' is not one of {string.Join(", ", ProcessingAccelerator.Names)}.");
        return false;
    }

    /// <summary>
    /// Opens the (known) accelerator --accelerator names (null: the SIMD code), <paramref name="choice"/> saying what was
    /// chosen and why; false, the reason written to <paramref name="error"/>, when a named GPU is absent.
    /// </summary>
    internal static bool TryOpenAccelerator(string command, string name, TextWriter error, out AcceleratorGridDevice? device, out string choice)
    {
        device = null;
        choice = string.Empty;
        try
        {
            device = ProcessingAccelerator.Open(name, out choice);
            return true;
        }
        catch (InvalidOperationException e)
        {
            error.WriteLine($"afmedge {command}: {e.Message}");
            return false;
        }
    }

    private static int Run(FileInfo input, string? channelName, string ops, FileInfo? outFile, int repeat, string acceleratorName, TextWriter output, TextWriter error)
    {
        if (repeat < 1)
        {
            error.WriteLine($"afmedge process: --repeat must be at least 1 (got {repeat}).");
            return ExitCodes.BadUsageOrConfig;
        }

        if (!CheckAccelerator("process", acceleratorName, error))
        {
            return ExitCodes.BadUsageOrConfig;
        }

        ProcessingChain chain;
        try
        {
            chain = ProcessingChain.ParseList(ops);
        }
        catch (FormatException e)
        {
            error.WriteLine("afmedge process: " + e.Message);
            return ExitCodes.BadUsageOrConfig;
        }

        Frame frame;
        try
        {
            frame = FrameImporter.Open(input.FullName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or AfmFormatException or NotSupportedException or ArgumentException)
        {
            error.WriteLine($"afmedge process: cannot read {input.FullName}: {e.Message}");
            return ExitCodes.BadUsageOrConfig;
        }

        var channel = channelName is null
            ? frame.Channels[0]
            : frame.Channels.FirstOrDefault(c => string.Equals(c.Descriptor.Key, channelName, StringComparison.OrdinalIgnoreCase))
              ?? frame.Channels.FirstOrDefault(c => string.Equals(c.Name, channelName, StringComparison.OrdinalIgnoreCase));
        if (channel is null)
        {
            error.WriteLine($"afmedge process: {input.Name} has no channel '{channelName}'; it has {string.Join(", ", frame.Channels.Select(c => c.Descriptor.Key))}.");
            return ExitCodes.BadUsageOrConfig;
        }

        // Opened after the input is read, so a bad file is reported without the seconds an accelerator takes to load.
        if (!TryOpenAccelerator("process", acceleratorName, error, out var device, out var choice))
        {
            return ExitCodes.RuntimeFailure;
        }

        if (acceleratorName != ProcessingAccelerator.Cpu)
        {
            output.WriteLine($"accelerator: {choice}");
        }

        using (device)
        {
            return Run(input, frame, channel, chain, device, outFile, repeat, output, error);
        }
    }

    private static int Run(FileInfo input, Frame frame, Channel channel, ProcessingChain chain, AcceleratorGridDevice? device, FileInfo? outFile, int repeat, TextWriter output, TextWriter error)
    {
        // Whole-frame steps (registration) need every channel: the chain then runs on the frame and the channel is taken from it.
        // The repeated runs take their arrays from a pool and hand them back, as the host's processing stage does: what
        // is timed is the processing, not the page faults of fresh arrays.
        // A channel selector is checked against the frame's channels (a name the file lacks is an error, not a skipped step).
        var wholeFrame = chain.Operations.Any(o => o is IFrameOperation or ChannelSelection);
        var buffers = new ChannelBufferPool();
        Action run = wholeFrame
            ? () => buffers.Return(chain.Apply(frame, device, buffers))
            : () => buffers.Return(chain.Apply(channel, device, buffers, out _, out _));
        Channel result;
        var masked = 0;
        string devices;
        var times = new double[repeat];
        try
        {
            if (wholeFrame)
            {
                var processed = chain.Apply(frame, device);
                result = processed.Channels.First(c => c.Descriptor.Key == channel.Descriptor.Key);
                devices = processed.Metadata[ProcessingChain.DevicesKey];
            }
            else
            {
                result = chain.Apply(channel, device, out masked, out devices);
            }

            if (repeat > 1)
            {
                // Warm up as BenchTiming does (tiered JIT settles in a few runs), then time N runs.
                var warm = Stopwatch.StartNew();
                for (var i = 0; i < 40 && (i < 3 || warm.Elapsed.TotalMilliseconds < 200); i++)
                {
                    run();
                }

                for (var i = 0; i < repeat; i++)
                {
                    times[i] = Time(run);
                }
            }
        }
        catch (ArgumentException e)
        {
            error.WriteLine($"afmedge process: {channel.Descriptor.Key} ({channel.Width}×{channel.Height}): {e.Message}");
            return ExitCodes.BadUsageOrConfig;
        }

        var steps = chain.Steps;
        output.WriteLine($"{input.Name} {channel.Descriptor.Key} {channel.Width}×{channel.Height}: {steps}" +
                         (masked > 0 ? $" ({masked} NaN/Inf px masked)" : string.Empty));
        if (device is not null)
        {
            output.WriteLine($"devices: {devices}");
        }
        if (outFile is not null)
        {
            try
            {
                GsfWriter.Write(outFile.FullName, result, frame.SizeX, frame.SizeY, channel.Descriptor.Key, frame.Scan.OffsetX, frame.Scan.OffsetY,
                    PhysicalUnit.Metre, [new("Processing", steps)]);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"afmedge process: cannot write {outFile.FullName}: {e.Message}");
                return ExitCodes.RuntimeFailure;
            }

            output.WriteLine($"wrote {outFile.FullName}");
        }

        if (repeat > 1)
        {
            Array.Sort(times);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Median(times):F3} ms"));
        }

        return ExitCodes.Ok;
    }

    private static double Time(Action run)
    {
        var start = Stopwatch.GetTimestamp();
        run();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    internal static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}
