using System.CommandLine;
using AfmEdge.Core;
using AfmEdge.Formats.Gsf;
using AfmEdge.Formats.Gwy;

namespace AfmEdge.Cli;

/// <summary>`afmedge convert IN OUT [--channel NAME]`: any readable AFM file to .gsf (one channel) or .gwy (all channels).</summary>
internal static class ConvertCommand
{
    private static readonly bool[] KeyThenName = [true, false];

    public static Command Create(TextWriter output, TextWriter error)
    {
        var input = new Argument<FileInfo>("IN") { Description = "An AFM file: .gsf .gwy .spm/.000–.999 .ibw .sxm .jpk .asd." };
        var target = new Argument<FileInfo>("OUT") { Description = "The file to write: .gsf (one channel) or .gwy (all channels)." };
        var channelOption = new Option<string?>("--channel")
        {
            Description = "The channel to convert, by key (\"Height-retrace\") or name (\"Height\", its first direction). " +
                          ".gsf: the first channel by default; .gwy: only this channel instead of all.",
        };
        var command = new Command("convert", "Convert an AFM file to Gwyddion's .gsf (one channel) or .gwy (every channel).")
        {
            input, target, channelOption,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetRequiredValue(input).FullName, parse.GetRequiredValue(target).FullName, parse.GetValue(channelOption), output, error));
        return command;
    }

    private static async Task<int> RunAsync(string inputPath, string outputPath, string? channelName, TextWriter output, TextWriter error)
    {
        var extension = Path.GetExtension(outputPath).ToUpperInvariant();
        if (extension is not (".GSF" or ".GWY"))
        {
            await error.WriteLineAsync($"afmedge: {outputPath}: the output must end in .gsf or .gwy.");
            return ExitCodes.BadUsageOrConfig;
        }

        var frames = await FrameFiles.TryOpenAsync(inputPath, error);
        if (frames is null)
        {
            return ExitCodes.BadUsageOrConfig;
        }

        (Frame Frame, Channel Channel)? selected = null;
        if (channelName is not null)
        {
            selected = Find(frames, channelName);
            if (selected is null)
            {
                var keys = frames.SelectMany(f => f.Channels).Select(c => c.Descriptor.Key);
                await error.WriteLineAsync($"afmedge: {Path.GetFileName(inputPath)} has no channel '{channelName}'; it has {string.Join(", ", keys)}.");
                return ExitCodes.BadUsageOrConfig;
            }
        }

        // Write beside the target and move it in place, so a failed write never leaves half a file under OUT's name.
        var temporary = outputPath + ".partial";
        string written;
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                written = extension == ".GSF"
                    ? WriteGsf(stream, selected ?? (frames[0], frames[0].Channels[0]))
                    : WriteGwy(stream, frames, selected);
            }

            File.Move(temporary, outputPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            await error.WriteLineAsync($"afmedge: cannot write {outputPath}: {e.Message}");
            return ExitCodes.RuntimeFailure;
        }

        await output.WriteLineAsync($"{Path.GetFileName(inputPath)} → {Path.GetFileName(outputPath)}: {written}");
        return ExitCodes.Ok;
    }

    private static string WriteGsf(Stream stream, (Frame Frame, Channel Channel) selected)
    {
        GsfWriter.Write(stream, selected.Frame, selected.Channel.Descriptor.Key);
        return selected.Channel.Descriptor.Key;
    }

    private static string WriteGwy(Stream stream, IReadOnlyList<Frame> frames, (Frame Frame, Channel Channel)? selected)
    {
        if (selected is { } one)
        {
            GwyWriter.Write(stream, new Frame(one.Frame.Id, one.Frame.Scan, [one.Channel], one.Frame.Metadata));
            return one.Channel.Descriptor.Key;
        }

        if (frames.Count == 1)
        {
            GwyWriter.Write(stream, frames[0]);
        }
        else
        {
            // Channels of different grids (one frame each) still go to one file: a .gwy holds fields of any size.
            var channels = new List<GwyChannel>();
            foreach (var frame in frames)
            {
                foreach (var channel in frame.Channels)
                {
                    var field = GwyDataField.FromChannel(channel, frame.SizeX, frame.SizeY, frame.Scan.OffsetX, frame.Scan.OffsetY);
                    channels.Add(new GwyChannel(channels.Count, channel.Descriptor.Key, field, null, frame.Metadata));
                }
            }

            GwyWriter.Write(stream, channels);
        }

        return string.Join(", ", frames.SelectMany(f => f.Channels).Select(c => c.Descriptor.Key));
    }

    /// <summary>By key first ("Height-retrace"), then by name in file order ("Height"), ignoring case.</summary>
    private static (Frame, Channel)? Find(IReadOnlyList<Frame> frames, string name)
    {
        foreach (var byKey in KeyThenName)
        {
            foreach (var frame in frames)
            {
                foreach (var channel in frame.Channels)
                {
                    var candidate = byKey ? channel.Descriptor.Key : channel.Name;
                    if (string.Equals(candidate, name, StringComparison.OrdinalIgnoreCase))
                    {
                        return (frame, channel);
                    }
                }
            }
        }

        return null;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The original error is what the user needs to see; a leftover .partial file is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
