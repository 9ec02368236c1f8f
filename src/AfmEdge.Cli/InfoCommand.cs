using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AfmEdge.Core;
using AfmEdge.Formats;

namespace AfmEdge.Cli;

/// <summary>`afmedge info FILE [--json]`: what an AFM file holds, channel by channel.</summary>
internal static class InfoCommand
{
    private static readonly string[] TableHeader = ["channel", "direction", "pixels", "size", "unit", "min", "max", "mean"];

    public static Command Create(TextWriter output, TextWriter error)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "An AFM file: .gsf .gwy .spm/.000–.999 .ibw .sxm .jpk .asd." };
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of a table." };
        var command = new Command("info", "Show every channel of an AFM file: name, direction, pixels, physical size, unit, min/max/mean.")
        {
            file, json,
        };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(parse.GetRequiredValue(file).FullName, parse.GetValue(json), output, error, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string path, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var frames = await FrameFiles.TryOpenAsync(path, error);
        if (frames is null)
        {
            return ExitCodes.BadUsageOrConfig;
        }

        var text = json ? ToJson(path, frames) : ToTable(path, frames);
        await output.WriteAsync(text.AsMemory(), cancellationToken);
        return ExitCodes.Ok;
    }

    internal static string ToTable(string path, IReadOnlyList<Frame> frames)
    {
        var text = new StringBuilder();
        var format = frames[0].Metadata.TryGetValue("format", out var f) ? f : "unknown format";
        text.Append(CultureInfo.InvariantCulture, $"{Path.GetFileName(path)}: {format}, {frames.Count} frame{(frames.Count == 1 ? string.Empty : "s")}\n");
        for (var i = 0; i < frames.Count; i++)
        {
            var frame = frames[i];
            text.Append(CultureInfo.InvariantCulture,
                $"frame {i + 1}: {frame.Width} × {frame.Height} px, {Length(frame.SizeX)} × {Length(frame.SizeY)}, " +
                $"offset ({Length(frame.Scan.OffsetX)}, {Length(frame.Scan.OffsetY)}), {frame.Channels.Count} channel{(frame.Channels.Count == 1 ? string.Empty : "s")}\n");
            var rows = new List<string[]> { TableHeader };
            foreach (var channel in frame.Channels)
            {
                var stats = ChannelStatistics.Of(channel);
                rows.Add(
                [
                    channel.Name,
                    Direction(channel.Direction),
                    $"{channel.Width} × {channel.Height}",
                    $"{Length(frame.SizeX)} × {Length(frame.SizeY)}",
                    channel.Unit.Symbol.Length == 0 ? "1" : channel.Unit.Symbol,
                    Value(stats.Min, channel.Unit),
                    Value(stats.Max, channel.Unit),
                    Value(stats.Mean, channel.Unit) + (stats.NonFinite > 0 ? $" ({stats.NonFinite} non-finite)" : string.Empty),
                ]);
            }

            var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
            foreach (var row in rows)
            {
                text.Append("  ");
                text.AppendJoin("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c])));
                text.Append('\n');
            }
        }

        return text.ToString();
    }

    internal static string ToJson(string path, IReadOnlyList<Frame> frames)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("file", Path.GetFileName(path));
            json.WriteString("format", frames[0].Metadata.TryGetValue("format", out var f) ? f : null);
            json.WriteStartArray("frames");
            foreach (var frame in frames)
            {
                json.WriteStartObject();
                json.WriteNumber("width", frame.Width);
                json.WriteNumber("height", frame.Height);
                json.WriteNumber("sizeX", frame.SizeX);
                json.WriteNumber("sizeY", frame.SizeY);
                json.WriteNumber("offsetX", frame.Scan.OffsetX);
                json.WriteNumber("offsetY", frame.Scan.OffsetY);
                json.WriteString("lengthUnit", PhysicalUnit.Metre.Symbol);
                json.WriteStartArray("channels");
                foreach (var channel in frame.Channels)
                {
                    var stats = ChannelStatistics.Of(channel);
                    json.WriteStartObject();
                    json.WriteString("name", channel.Name);
                    json.WriteString("key", channel.Descriptor.Key);
                    json.WriteString("direction", Direction(channel.Direction));
                    json.WriteNumber("width", channel.Width);
                    json.WriteNumber("height", channel.Height);
                    json.WriteNumber("sizeX", frame.SizeX);
                    json.WriteNumber("sizeY", frame.SizeY);
                    json.WriteString("unit", channel.Unit.Symbol);
                    WriteNumberOrNull(json, "min", stats.Min);
                    WriteNumberOrNull(json, "max", stats.Max);
                    WriteNumberOrNull(json, "mean", stats.Mean);
                    json.WriteNumber("nonFinite", stats.NonFinite);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteNumberOrNull(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static string Direction(ScanDirection direction) => direction == ScanDirection.Retrace ? "retrace" : "trace";

    private static string Length(double metres) => new Quantity(metres, PhysicalUnit.Metre).Format(4);

    private static string Value(double value, PhysicalUnit unit) => double.IsFinite(value) ? new Quantity(value, unit).Format(4) : "-";
}

/// <summary>Min, max and mean over the finite samples of a channel; NaN when it has none.</summary>
internal readonly record struct ChannelStatistics(double Min, double Max, double Mean, int NonFinite)
{
    public static ChannelStatistics Of(Channel channel)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0;
        var count = 0;
        foreach (var v in channel.Data)
        {
            if (!float.IsFinite(v))
            {
                continue;
            }

            min = Math.Min(min, v);
            max = Math.Max(max, v);
            sum += v;
            count++;
        }

        return count == 0
            ? new ChannelStatistics(double.NaN, double.NaN, double.NaN, channel.Data.Length)
            : new ChannelStatistics(min, max, sum / count, channel.Data.Length - count);
    }
}
