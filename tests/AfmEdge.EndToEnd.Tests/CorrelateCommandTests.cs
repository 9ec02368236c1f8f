using System.Text.Json;
using AfmEdge.Analysis;
using AfmEdge.Cli;
using AfmEdge.Core;
using AfmEdge.EndToEnd.Tests.Support;
using AfmEdge.Formats.Gsf;

namespace AfmEdge.EndToEnd.Tests;

public sealed class CorrelateCommandTests
{
    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await AfmEdgeCli.InvokeAsync(args, output, error, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    private static async Task<string> SimulateAsync(string parent, int seed, int pixels = 128)
    {
        var dir = Path.Combine(parent, $"seed{seed}");
        var (exit, _, error) = await RunAsync("simulate", "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--pixels",
            pixels.ToString(System.Globalization.CultureInfo.InvariantCulture), "--clean", "--out", dir);
        Assert.True(exit == ExitCodes.Ok, error);
        return dir;
    }

    [Fact]
    public async Task Correlate_SimulatedFolder_WritesSummaryTableLabelsAndPlots()
    {
        var root = Scratch.Folder("afmedge-cor-").FullName;
        var input = await SimulateAsync(root, 31);

        // Truth files beside the channels are never opened: garbage in them changes nothing.
        await File.WriteAllTextAsync(Path.Combine(input, "labels.gsf"), "not a gsf", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(input, "truth.json"), "{", TestContext.Current.CancellationToken);
        var outDir = Path.Combine(root, "out");

        var (exit, output, error) = await RunAsync("correlate", input, "--out", outDir);

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("pArm", output, StringComparison.Ordinal);
        Assert.Contains("Pearson r [95% CI]", output, StringComparison.Ordinal);
        Assert.Contains("with the rim", output, StringComparison.Ordinal);
        string[] expected =
        [
            "labels.gsf", "labels.png", "local-correlation-Adhesion.png", "local-correlation-Current.png", "local-correlation-Potential.png",
            "regions.csv", "scatter-Adhesion.png", "scatter-Current.png", "scatter-Potential.png", "summary.json",
        ];
        Assert.Equal(expected, Directory.GetFiles(outDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var labels = GsfReader.Read(Path.Combine(outDir, "labels.gsf")).Channels[0];
        Assert.All(labels.Data.ToArray(), v => Assert.InRange(v, 0, 3));
        Assert.Contains(2f, labels.Data.ToArray());
        var csv = await File.ReadAllLinesAsync(Path.Combine(outDir, "regions.csv"), TestContext.Current.CancellationToken);
        Assert.Equal(RegionCsv.Header, csv[0]);
        Assert.Equal(1 + 16, csv.Length);

        // r's and ρ's intervals with the rim hold the bootstrap intervals wherever there are some (correlate ranks the cores too).
        var header = csv[0].Split(',');
        foreach (var statistic in new[] { "pearson", "spearman" })
        {
            var rows = csv.Skip(1).Select(l => l.Split(',')).Where(c => c[Array.IndexOf(header, statistic + "_low")].Length > 0).ToList();
            Assert.NotEmpty(rows);
            Assert.All(rows, c => Assert.True(
                Cell(c, statistic + "_span_low") <= Cell(c, statistic + "_low") && Cell(c, statistic + "_high") <= Cell(c, statistic + "_span_high"),
                string.Join(',', c)));
        }

        // Each correlated row says how deep its region's rim was: 2 px on a chromosome, as far as the chromosomes reach (2 to 16) in the background.
        var correlated = csv.Skip(1).Select(l => l.Split(',')).Where(c => c[Array.IndexOf(header, "pearson")].Length > 0).ToList();
        Assert.All(correlated, c => Assert.InRange(Cell(c, "core_depth"), 2, c[0] == "background" ? 16 : 2));

        double Cell(string[] row, string column) => double.Parse(row[Array.IndexOf(header, column)], System.Globalization.CultureInfo.InvariantCulture);
        using var summary = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(outDir, "summary.json"), TestContext.Current.CancellationToken));
        Assert.Null(Schemas.Problems(Schemas.Summary, summary.RootElement));
        Assert.True(summary.RootElement.GetProperty("chromosomeCount").GetInt32() > 0);

        // Whether the rims mix the regions' fields: the summary says, the terminal says which r and means to read, and each arm's
        // row carries r and the mean with the rim from the core, and how far its first ring lies off the core's line.
        var mixed = summary.RootElement.GetProperty("rimMixing").GetProperty("mixed").GetBoolean();
        Assert.Contains(mixed ? "rims mixed (score" : "rims not mixed (score", output, StringComparison.Ordinal);
        var arms = correlated.Where(c => c[0] is "pArm" or "qArm").ToList();
        Assert.NotEmpty(arms);
        Assert.All(arms, c => Assert.InRange(Cell(c, "pearson_from_core"), -1, 1));
        Assert.All(arms, c => Assert.True(double.IsFinite(Cell(c, "mean_from_core")) && double.IsFinite(Cell(c, "rim_shift")), string.Join(',', c)));

        // Every channel's line offsets judged, height first; the terminal names those taken out and those left.
        var judged = summary.RootElement.GetProperty("rowOffsets").EnumerateArray().ToList();
        Assert.Equal(["Height", "Current", "Potential", "Adhesion"], judged.Select(o => o.GetProperty("channel").GetString()));
        Assert.All(judged, o => Assert.Equal(o.GetProperty("aligned").GetBoolean(), o.GetProperty("offsetSd").ValueKind == JsonValueKind.Number));
        Assert.Contains("line offsets (the substrate's line-to-line jumps", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Correlate_KeepLineOffsets_SaysSoAndJudgesNoChannel()
    {
        var root = Scratch.Folder("afmedge-cor-").FullName;
        var input = await SimulateAsync(root, 35, 64);
        var outDir = Path.Combine(root, "out");

        var (exit, output, error) = await RunAsync("correlate", input, "--out", outDir, "--keep-line-offsets");

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("line offsets kept as scanned (--keep-line-offsets)", output, StringComparison.Ordinal);
        using var summary = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(outDir, "summary.json"), TestContext.Current.CancellationToken));
        Assert.Null(Schemas.Problems(Schemas.Summary, summary.RootElement));
        Assert.True(!summary.RootElement.TryGetProperty("rowOffsets", out var judged) || judged.ValueKind == JsonValueKind.Null);
    }

    [Fact]
    public async Task Correlate_RealFileWithRetraceTopography_TakesItAsHeight()
    {
        // A Nanoscope file records its height (and amplitude) on the retrace line only: that is the analysis's Height (no chromosomes in it).
        var input = SampleFiles.Path("nanoscope_v5_multi.spm");
        var outDir = Path.Combine(Scratch.Folder("afmedge-cor-").FullName, "out");

        var (exit, output, error) = await RunAsync("correlate", input, "--out", outDir);

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("512×512, 2×2 µm, Height from Height-retrace, 0 chromosome(s) — no chromosome found", output, StringComparison.Ordinal);
        using var summary = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(outDir, "summary.json"), TestContext.Current.CancellationToken));
        Assert.Null(Schemas.Problems(Schemas.Summary, summary.RootElement));
        Assert.Equal("no chromosome found", summary.RootElement.GetProperty("note").GetString());

        // Every channel is on the retrace line: its amplitude stands in for the trace and is correlated with height.
        Assert.Contains("background Amplitude", output, StringComparison.Ordinal);
        Assert.Contains(summary.RootElement.GetProperty("regionCorrelations").EnumerateArray(),
            c => c.GetProperty("channel").GetString() == "Amplitude" && c.GetProperty("pearson").ValueKind == JsonValueKind.Number);
    }

    [Fact]
    public async Task Correlate_HeightNotInTheFile_IsAnErrorNamingIt()
    {
        var input = SampleFiles.Path("nanoscope_v5_multi.spm");
        var outDir = Path.Combine(Scratch.Folder("afmedge-cor-").FullName, "out");

        var (exit, _, error) = await RunAsync("correlate", input, "--out", outDir, "--height", "Topography");

        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains("nanoscope_v5_multi: the frame has no channel 'Topography'; it has Height-retrace, Amplitude-retrace.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Correlate_FolderOfSimulations_RunsABatchWithProgress()
    {
        var root = Scratch.Folder("afmedge-cor-").FullName;
        var batch = Path.Combine(root, "batch");
        await SimulateAsync(batch, 32, 64);
        await SimulateAsync(batch, 33, 64);

        var (exit, output, error) = await RunAsync("correlate", batch, "--out", Path.Combine(root, "out"));

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("2/2", output, StringComparison.Ordinal);
        Assert.Contains("2 of 2 inputs analysed", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(root, "out", "seed32", "summary.json")));
        Assert.True(File.Exists(Path.Combine(root, "out", "seed33", "regions.csv")));
    }

    [Fact]
    public async Task Correlate_Json_PrintsTheSummary()
    {
        var root = Scratch.Folder("afmedge-cor-").FullName;
        var input = await SimulateAsync(root, 34, 64);
        var (exit, output, error) = await RunAsync("correlate", input, "--out", Path.Combine(root, "out"), "--json");
        Assert.True(exit == ExitCodes.Ok, error);
        using var document = JsonDocument.Parse(output);
        Assert.Equal(1, document.RootElement.GetProperty("schemaVersion").GetInt32());
    }

    [Fact]
    public async Task Correlate_FlatSurface_WritesASummarySayingNoChromosome()
    {
        var dir = ChannelDir(64, 64, (x, y) => 1e-10f * (x % 3), (x, y) => 1e-11f * y);
        var outDir = Path.Combine(dir, "out");
        var (exit, output, error) = await RunAsync("correlate", dir, "--out", outDir);
        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("no chromosome found", output, StringComparison.Ordinal);
        var summary = SummaryJson.Deserialize(await File.ReadAllBytesAsync(Path.Combine(outDir, "summary.json"), TestContext.Current.CancellationToken));
        Assert.Equal(0, summary.ChromosomeCount);
    }

    [Fact]
    public async Task Correlate_MismatchedSizes_ExitsTwoNamingTheFile()
    {
        var dir = ChannelDir(64, 32, (x, y) => 0, (x, y) => 1);
        var (exit, _, error) = await RunAsync("correlate", dir, "--out", Path.Combine(dir, "out"));
        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains("Current.gsf", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Correlate_AllNaNChannel_ExitsTwoNamingIt()
    {
        var dir = ChannelDir(32, 32, (x, y) => 0, (x, y) => float.NaN);
        var (exit, _, error) = await RunAsync("correlate", dir, "--out", Path.Combine(dir, "out"));
        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains("'Current'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Correlate_NoHeight_ExitsTwoNamingIt()
    {
        var dir = ChannelDir(32, 32, null, (x, y) => 1);
        var (exit, _, error) = await RunAsync("correlate", dir, "--out", Path.Combine(dir, "out"));
        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains("the frame has no height channel (none is named Height or measured in metres); name one with --height.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Correlate_MissingInput_ExitsTwo()
    {
        var (exit, _, error) = await RunAsync("correlate", "/nonexistent/afmedge-folder", "--out", Path.GetTempPath());
        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains("no such file or folder", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchAnalyse_SmallBudget_ReportsItsFigures()
    {
        var (exit, output, error) = await RunAsync("bench", "analyse", "--budget-ms", "20", "--sizes", "64");
        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("analyse 64² × 4 channels (clean", output, StringComparison.Ordinal);
        Assert.Contains("bootstrap resamples", output, StringComparison.Ordinal);

        // The frame the pipeline's analysis stage gets by default, and the summary that stage adds, timed alone.
        Assert.Contains("analyse 64² × 4 channels (host virtual microscope, scanned at half size, processed, enhanced ×2", output, StringComparison.Ordinal);
        Assert.Contains("  summary (statistics of 4 channels, frame correlations): ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("cores ranked", output, StringComparison.Ordinal);

        // With the cores ranked (as correlate analyses): said in the header.
        (exit, output, error) = await RunAsync("bench", "analyse", "--budget-ms", "20", "--sizes", "64", "--frames", "clean", "--rank-core");
        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("bootstrap resamples, cores ranked (CPU", output, StringComparison.Ordinal);
    }

    /// <summary>A channel folder: Height (unless null) at heightSize², Current at currentSize² (10 µm field).</summary>
    private static string ChannelDir(int heightSize, int currentSize, Func<int, int, float>? height, Func<int, int, float> current)
    {
        var dir = Scratch.Folder("afmedge-cor-").FullName;
        if (height is not null)
        {
            Write(dir, "Height", PhysicalUnit.Metre, heightSize, height);
        }

        Write(dir, "Current", PhysicalUnit.Ampere, currentSize, current);
        return dir;
    }

    private static void Write(string dir, string name, PhysicalUnit unit, int size, Func<int, int, float> value)
    {
        var data = new float[size * size];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = value(i % size, i / size);
        }

        GsfWriter.Write(Path.Combine(dir, name + ".gsf"), new Channel(new ChannelDescriptor(name, unit), size, size, data), 10e-6, 10e-6, name);
    }
}
