using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AfmEdge.Formats.Tests.Oracle;

/// <summary>One channel as Gwyddion holds it: its geometry, units and float64 data, row 0 first.</summary>
internal sealed record OracleChannel(
    int Id,
    string Title,
    int XRes,
    int YRes,
    double XReal,
    double YReal,
    double XOffset,
    double YOffset,
    string XyUnit,
    string ZUnit,
    double[] Data,
    string? Operation,
    double Milliseconds)
{
    public double this[int x, int y] => Data[(y * XRes) + x];
}

/// <summary>
/// Runs tests/gwyddion-oracle/bin/gwy-oracle (built by ./test.sh) and parses its records (see the README
/// there). Self-contained so that other test projects can link this file.
/// </summary>
internal static class GwyddionOracle
{
    private static readonly Lazy<string?> Executable = new(Find);

    /// <summary>
    /// The oracle's path. Where it is missing the test is skipped, except in CI (CI=true), where
    /// ./test.sh must have built it and its absence is a failure.
    /// </summary>
    public static string Require()
    {
        var path = Executable.Value;
        if (path is not null)
        {
            return path;
        }

        const string Why = "tests/gwyddion-oracle/bin/gwy-oracle is not built; ./test.sh installs Gwyddion and builds it (tests/gwyddion-oracle/build.sh).";
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail(Why);
        }

        Assert.Skip(Why);
        return string.Empty;
    }

    /// <summary>Every channel Gwyddion reads from <paramref name="file"/>, or null when no Gwyddion module loads it.</summary>
    public static IReadOnlyList<OracleChannel>? TryDump(string file)
    {
        var (exitCode, output, error) = Run(["dump", file, "-"]);
        return exitCode switch
        {
            0 => Parse(output),
            1 => null,
            _ => throw new InvalidOperationException($"gwy-oracle dump {file} exited with {exitCode}: {error}"),
        };
    }

    public static IReadOnlyList<OracleChannel> Dump(string file) =>
        TryDump(file) ?? throw new InvalidOperationException($"Gwyddion cannot load {file}.");

    /// <summary>Gwyddion's result of <paramref name="operation"/> on one channel, timed over <paramref name="repeat"/> runs.</summary>
    public static OracleChannel Process(string file, int channelId, string operation, int repeat = 1)
    {
        var (exitCode, output, error) = Run(
            ["process", file, channelId.ToString(CultureInfo.InvariantCulture), operation, repeat.ToString(CultureInfo.InvariantCulture), "-"]);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"gwy-oracle process {file} {channelId} {operation} exited with {exitCode}: {error}");
        }

        return Assert.Single(Parse(output));
    }

    public static IReadOnlyList<OracleChannel> Parse(ReadOnlySpan<byte> output)
    {
        var channels = new List<OracleChannel>();
        while (!output.IsEmpty)
        {
            var newline = output.IndexOf((byte)'\n');
            if (newline < 0)
            {
                throw new InvalidDataException("gwy-oracle output ends inside a record header.");
            }

            using var header = JsonDocument.Parse(output[..newline].ToArray());
            var root = header.RootElement;
            var xres = root.GetProperty("xres").GetInt32();
            var yres = root.GetProperty("yres").GetInt32();
            output = output[(newline + 1)..];
            var bytes = checked(xres * yres * sizeof(double));
            if (output.Length < bytes)
            {
                throw new InvalidDataException($"gwy-oracle record of {xres}×{yres} has {output.Length} of {bytes} data bytes.");
            }

            var data = new double[xres * yres];
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = BinaryPrimitives.ReadDoubleLittleEndian(output.Slice(i * sizeof(double), sizeof(double)));
            }

            output = output[bytes..];
            channels.Add(new OracleChannel(
                root.GetProperty("id").GetInt32(),
                root.GetProperty("title").GetString() ?? string.Empty,
                xres,
                yres,
                root.GetProperty("xreal").GetDouble(),
                root.GetProperty("yreal").GetDouble(),
                root.GetProperty("xoff").GetDouble(),
                root.GetProperty("yoff").GetDouble(),
                root.GetProperty("xyunit").GetString() ?? string.Empty,
                root.GetProperty("zunit").GetString() ?? string.Empty,
                data,
                root.TryGetProperty("op", out var op) ? op.GetString() : null,
                root.TryGetProperty("ms", out var ms) ? ms.GetDouble() : double.NaN));
        }

        return channels;
    }

    private static (int ExitCode, byte[] Output, string Error) Run(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Require())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("gwy-oracle did not start.");
        var error = process.StandardError.ReadToEndAsync();
        using var output = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(output);
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill();
            throw new TimeoutException("gwy-oracle ran for more than 120 s.");
        }

        return (process.ExitCode, output.ToArray(), error.Result);
    }

    private static string? Find()
    {
        var configured = Environment.GetEnvironmentVariable("AFMEDGE_GWY_ORACLE");
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured) ? configured : null;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "gwyddion-oracle", "bin", "gwy-oracle");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
