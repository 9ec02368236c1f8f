using System.Diagnostics;
using AfmEdge.Core;
using AfmEdge.Formats;
using AfmEdge.Formats.Gsf;
using AfmEdge.Inference;
using AfmEdge.Inference.Onnx;

namespace AfmEdge.Cli;

/// <summary>
/// `afmedge enhance` for a channel folder or a single .gsf, without ever holding the frame: rows are read from the
/// files (read twice more first when the model standardises each frame by its own statistics), enhanced band by band
/// and tile by tile (<see cref="RowSourceEnhancer"/>), and each tile's rows are written to their place in &lt;Channel&gt;.gsf
/// files that are written under temporary names in DIR and renamed only once complete, so a failure leaves nothing
/// half-written. Messages, model choice and the files written are those of the in-memory path, byte for byte; memory is set
/// by a tile and a window of input rows (`afmedge bench memory`, streamed).
/// </summary>
internal static class StreamedEnhance
{
    /// <summary>True for a folder (read as a channel folder) and for a file the importers would read as a .gsf.</summary>
    public static bool CanStream(string input)
    {
        if (Directory.Exists(input))
        {
            return true;
        }

        if (!File.Exists(input))
        {
            return false;
        }

        try
        {
            using var stream = File.OpenRead(input);
            Span<byte> head = stackalloc byte[32];
            var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            return FrameImporter.Detect(head[..read], Path.GetFileName(input)) == AfmFileFormat.GwyddionSimpleField;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The in-memory path opens it again and says why it cannot.
            return false;
        }
    }

    public static async Task<int> RunAsync(EnhanceCommand.Request request, TextWriter output, TextWriter error)
    {
        using var files = await FrameFiles.TryAsync(request.Input, Open, error);
        if (files is null)
        {
            return ExitCodes.BadUsageOrConfig;
        }

        var (channels, heightSource) = EnhanceCommand.ModelChannels([.. files.Channels.Select(c => c.Descriptor)], request.Height);
        if (channels is null)
        {
            await error.WriteLineAsync($"afmedge enhance: {heightSource}");
            return ExitCodes.BadUsageOrConfig;
        }

        var (chosen, problem) = EnhanceCommand.ChooseModel(request, channels.Select(c => c.Descriptor), Math.Max(files.Scan.PixelSizeX, files.Scan.PixelSizeY));
        if (chosen is null)
        {
            await error.WriteLineAsync("afmedge enhance: " + problem);
            return ExitCodes.BadUsageOrConfig;
        }

        var network = chosen.Network;
        var wall = Stopwatch.StartNew();
        IEnhancementEngine engine;
        int[] sources;
        try
        {
            engine = EngineFactory.CreateEngine(request.Engine, chosen, TiledEnhancer.MaxTileSide(network, request.Tile), request.Threads);
            sources = [.. network.InputChannels.Select(name => IndexOfTrace(channels, name) is var i and >= 0
                ? i
                : throw CnnFrameEnhancer.MissingInputChannel(files.Id, network, name, channels.Select(c => c.Descriptor.Key)))];
        }
        catch (OnnxModelException e)
        {
            await error.WriteLineAsync("afmedge enhance: " + e.Message);
            return ExitCodes.BadUsageOrConfig;
        }
        catch (ArgumentException e)
        {
            await error.WriteLineAsync(EnhanceCommand.CannotEnhance(chosen, e));
            return ExitCodes.BadUsageOrConfig;
        }

        using (engine)
        {
            var rows = new InputRows(files, [.. sources.Select(i => files.Channels[channels[i].Source])]);
            var units = network.OutputSourceIndex.Select(i => channels[sources[i]].Descriptor.Unit).ToArray();
            var enhancer = new RowSourceEnhancer(new TiledEnhancer(engine, request.Tile), files.Width, files.Height);
            try
            {
                WriteEnhanced(enhancer, rows, request.OutDir, network.OutputChannels, units, files.Scan);
            }
            catch (AfmFormatException e)
            {
                await error.WriteLineAsync("afmedge: " + e.Message);
                return ExitCodes.BadUsageOrConfig;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync(EnhanceCommand.CannotWrite(request, e));
                return ExitCodes.RuntimeFailure;
            }
        }

        await EnhanceCommand.Report(output, request, chosen, heightSource, files.Width, files.Height, wall.Elapsed);
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Enhances <paramref name="rows"/> into &lt;name&gt;.gsf in <paramref name="outDir"/>, one per network output, at
    /// twice the pixels of <paramref name="scan"/>'s field of view. The files appear only when all are complete; on a
    /// failure the partial files go, and so does the folder when this call created it.
    /// </summary>
    private static void WriteEnhanced(RowSourceEnhancer enhancer, IFrameRows rows, string outDir, IReadOnlyList<string> names,
        IReadOnlyList<PhysicalUnit> units, ScanSettings scan)
    {
        var createdFolder = !Directory.Exists(outDir);
        var temporary = new string[names.Count];
        var streams = new FileStream?[names.Count];
        var samplesStart = new long[names.Count];
        try
        {
            Directory.CreateDirectory(outDir);
            for (var o = 0; o < names.Count; o++)
            {
                // Hidden and unique, so neither a reader of DIR nor a second run mistakes it for a result.
                temporary[o] = Path.Combine(outDir, $".{names[o]}.gsf.{Guid.NewGuid():N}.tmp");
                // Unbuffered: each piece's row goes straight to its place in the file (a tile wide, so a buffer would only copy it).
                streams[o] = new FileStream(temporary[o], FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
                GsfWriter.WriteHeader(streams[o]!, 2 * enhancer.Width, 2 * enhancer.Height, units[o], scan.SizeX, scan.SizeY, names[o], scan.OffsetX, scan.OffsetY);
                samplesStart[o] = streams[o]!.Position;
            }

            enhancer.Enhance(rows, (piece, planes) =>
            {
                for (var o = 0; o < streams.Length; o++)
                {
                    for (var row = 0; row < piece.OutputRows; row++)
                    {
                        streams[o]!.Position = samplesStart[o] + (sizeof(float) * piece.FrameIndex(row, enhancer.Width));
                        GsfWriter.WriteSamples(streams[o]!, piece.Row(planes[o], row));
                    }
                }
            });

            for (var o = 0; o < streams.Length; o++)
            {
                streams[o]!.Dispose();
                streams[o] = null;
            }

            for (var o = 0; o < names.Count; o++)
            {
                File.Move(temporary[o], Path.Combine(outDir, names[o] + ".gsf"), overwrite: true);
                temporary[o] = null!;
            }
        }
        finally
        {
            for (var o = 0; o < names.Count; o++)
            {
                streams[o]?.Dispose();
                if (temporary[o] is { } path)
                {
                    File.Delete(path);
                }
            }

            if (createdFolder && Directory.Exists(outDir) && !Directory.EnumerateFileSystemEntries(outDir).Any())
            {
                Directory.Delete(outDir);
            }
        }
    }

    private static int IndexOfTrace(IReadOnlyList<(ChannelDescriptor Descriptor, int Source)> channels, string name)
    {
        var key = ChannelDescriptor.ChannelKey(name, ScanDirection.Trace);
        for (var i = 0; i < channels.Count; i++)
        {
            if (string.Equals(channels[i].Descriptor.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    private static RowFiles Open(string path)
    {
        if (Directory.Exists(path))
        {
            var folder = ChannelFolder.OpenRows(path);
            return new RowFiles(folder.Channels, folder.Id, folder.Scan, folder);
        }

        var file = GsfRowReader.Open(path);
        return new RowFiles([file], file.Id, file.Scan, file);
    }

    /// <summary>The channel files of a folder or the one .gsf, with the frame's id and scan.</summary>
    private sealed class RowFiles(IReadOnlyList<GsfRowReader> channels, FrameId id, ScanSettings scan, IDisposable owner) : IDisposable
    {
        public IReadOnlyList<GsfRowReader> Channels => channels;

        public FrameId Id => id;

        public ScanSettings Scan => scan;

        public int Width => channels[0].Width;

        public int Height => channels[0].Height;

        public void Dispose() => owner.Dispose();
    }

    /// <summary>The network's input channels, one file each, read again from the top whenever row 0 is asked for.</summary>
    private sealed class InputRows(RowFiles files, GsfRowReader[] inputs) : IFrameRows
    {
        public int Width => files.Width;

        public int Height => files.Height;

        public void ReadRow(int y, IReadOnlyList<float[]> rows)
        {
            for (var c = 0; c < inputs.Length; c++)
            {
                if (y == 0 && inputs[c].NextRow != 0)
                {
                    inputs[c].Rewind();
                }

                try
                {
                    inputs[c].ReadRow(rows[c]);
                }
                catch (IOException e)
                {
                    // Reading, not writing, failed: the input is at fault, as for a file that cannot be opened.
                    throw new AfmFormatException(inputs[c].FileName, "data", "cannot be read: " + e.Message, e);
                }
            }
        }
    }
}
