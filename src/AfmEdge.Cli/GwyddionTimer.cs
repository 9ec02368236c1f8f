using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AfmEdge.Core;
using AfmEdge.Formats.Gsf;

namespace AfmEdge.Cli;

/// <summary>
/// Times Gwyddion's own functions on a field through gwy-oracle (tests/gwyddion-oracle): the field is written once as
/// GSF, and each operation runs REPEAT times in the oracle, which reports the median ms of the operation alone.
/// </summary>
internal sealed class GwyddionTimer : IDisposable
{
    private readonly string _oracle;
    private readonly string _directory = Directory.CreateTempSubdirectory("afmedge-bench-gwyddion-").FullName;
    private readonly string _gsf;

    public GwyddionTimer(string oracle, float[] field, int size)
    {
        _oracle = oracle;
        _gsf = Path.Combine(_directory, "field.gsf");
        var channel = new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), size, size, field);
        GsfWriter.Write(_gsf, channel, 1e-6, 1e-6, "Height");
    }

    /// <summary>Median ms of <paramref name="operation"/>, repeated to fill about <paramref name="budgetMs"/>; null when the oracle fails.</summary>
    public double? Measure(string operation, double budgetMs)
    {
        var first = Run(operation, 3);
        if (first is not { } probe)
        {
            return null;
        }

        var repeat = (int)Math.Clamp(budgetMs / Math.Max(probe, 1e-3), 5, 2000);
        return Run(operation, repeat);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private double? Run(string operation, int repeat)
    {
        var start = new ProcessStartInfo(_oracle)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "process", _gsf, "0", operation, repeat.ToString(CultureInfo.InvariantCulture), "-" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start);
        if (process is null)
        {
            return null;
        }

        // The record is one JSON line followed by the binary field; only the header is needed.
        var stdout = process.StandardOutput.BaseStream;
        var header = new List<byte>();
        int b;
        while ((b = stdout.ReadByte()) >= 0 && b != '\n')
        {
            header.Add((byte)b);
        }

        stdout.CopyTo(Stream.Null);
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 || header.Count == 0)
        {
            return null;
        }

        using var json = JsonDocument.Parse(header.ToArray());
        return json.RootElement.TryGetProperty("ms", out var ms) ? ms.GetDouble() : null;
    }
}
