using System.Device.Spi;
using System.Globalization;
using AfmEdge.Cli;
using AfmEdge.Control;
using AfmEdge.EndToEnd.Tests.Support;
using AfmEdge.Host;
using AfmEdge.Host.Options;
using AfmEdge.Host.Pipeline;
using AfmEdge.Host.Sources;
using AfmEdge.Simulation.VirtualAfm;
using AfmEdge.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AfmEdge.EndToEnd.Tests;

/// <summary>Real-board paths: the CLI's --config and the host's Source:Kind = Board, on the virtual AFM's emulated chips where a board is needed.</summary>
public sealed class BoardSourceTests
{
    // A board wired as VirtualAfm is (its ADC reached here as spidev0.3), with gains for 16 px at 10 lines/s (18 points per direction).
    private const string VirtualWiredBoard = """
        {
          "Board": {
            "DacX": { "Bus": 0, "ChipSelect": 0, "ClockHz": 10000000 },
            "DacY": { "Bus": 0, "ChipSelect": 1, "ClockHz": 10000000 },
            "DacZ": { "Bus": 0, "ChipSelect": 2, "ClockHz": 10000000 },
            "Adc": { "Bus": 0, "ChipSelect": 3, "ClockHz": 17000000 },
            "Pins": { "Convst": 17, "Busy": 27, "AdcReset": 22, "Range": 23, "Clr": 13, "DacZReset": 19 },
            "X": { "MetresPerVolt": 5e-7, "MinVolts": -10, "MaxVolts": 10, "MaxSlewVoltsPerSecond": 400 },
            "Y": { "MetresPerVolt": 5e-7, "MinVolts": -10, "MaxVolts": 10, "MaxSlewVoltsPerSecond": 400 },
            "Z": { "MetresPerVolt": 5e-8, "MinVolts": -10, "MaxVolts": 10, "MaxSlewVoltsPerSecond": 400 },
            "Feedback": { "Proportional": 0.1, "Integral": 288, "SetpointVolts": 0.5, "DeflectionChannel": 0, "DeflectionVoltsPerMetre": 1e7 },
            "Fields": [
              { "Name": "Current", "Unit": "A", "AdcChannel": 1, "UnitsPerVolt": 1e-9 },
              { "Name": "Potential", "Unit": "V", "AdcChannel": 2, "UnitsPerVolt": 1 },
              { "Name": "Adhesion", "Unit": "N", "AdcChannel": 3, "UnitsPerVolt": 1e-8 }
            ]
          }
        }
        """;

    private static string PiConfig => Path.Combine(TestPaths.RepositoryRoot, "device-config", "raspberry-pi-5.json");

    [Theory]
    [InlineData("scan")]
    [InlineData("approach")]
    [InlineData("retract")]
    public async Task Commands_BoardWithoutSpidev_ExitTwoNamingTheNodeAndOpenNothing(string command)
    {
        if (File.Exists("/dev/spidev0.0"))
        {
            Assert.Skip("This machine has /dev/spidev0.0.");
        }

        var dir = Path.Combine(Scratch.Folder("afmedge-board-").FullName, "out");
        var output = new StringWriter();
        var error = new StringWriter();
        string[] args = command == "scan" ? [command, "--config", PiConfig, "--out", dir] : [command, "--config", PiConfig];

        int code = await AfmEdgeCli.InvokeAsync(args, output, error, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.BadUsageOrConfig, code);
        Assert.Contains("Board:DacX: /dev/spidev0.0 does not exist", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Nothing was opened.", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(output.ToString());
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task Scan_ConfigWithoutBoardSection_ExitsTwo()
    {
        var error = new StringWriter();

        int code = await AfmEdgeCli.InvokeAsync(
            ["scan", "--config", Path.Combine(TestPaths.RepositoryRoot, "device-config", "default.json"), "--out", Path.GetTempPath()], new StringWriter(), error, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.BadUsageOrConfig, code);
        Assert.Contains("no top-level \"Board\" section", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BoardSourceWithoutSpidev_ExitsTwoBeforeStarting()
    {
        if (File.Exists("/dev/spidev0.0"))
        {
            Assert.Skip("This machine has /dev/spidev0.0.");
        }

        var path = Path.Combine(Scratch.Folder("afmedge-board-").FullName, "board.json");
        await File.WriteAllTextAsync(path, $$"""{ "AfmEdge": { "Source": { "Kind": "Board", "Board": { "ConfigFile": {{System.Text.Json.JsonSerializer.Serialize(PiConfig)}} } } } }""", TestContext.Current.CancellationToken);
        var output = new StringWriter();
        var error = new StringWriter();

        int code = await AfmEdgeCli.InvokeAsync(["run", "--config", path, "--frames", "1"], output, error, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.BadUsageOrConfig, code);
        Assert.Contains($"AfmEdge:Source:Board:ConfigFile = '{PiConfig}': Board:DacX: /dev/spidev0.0 does not exist", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }

    [Fact]
    public async Task Host_BoardSource_AcquiresThroughTheScanEngineOnTheBoardsChips()
    {
        var boardFile = Path.Combine(Scratch.Folder("afmedge-board-").FullName, "board.json");
        await File.WriteAllTextAsync(boardFile, VirtualWiredBoard, TestContext.Current.CancellationToken);
        var clock = new VirtualClock();
        using var afm = new VirtualAfm(new BumpSurface([new Bump(0, 0, 200e-9, 300e-9)]), new VirtualAfmOptions(), clock);
        var hardware = new BoardHardware
        {
            OpenSpi = settings => (settings.BusId, settings.ChipSelectLine) switch
            {
                (0, 0) => afm.DacXSpi,
                (0, 1) => afm.DacYSpi,
                (0, 2) => afm.DacZSpi,
                (0, 3) => afm.AdcSpi,
                _ => throw new IOException("no such chip"),
            },
            CreateGpioDriver = () => afm.Gpio,
            Timing = LoopTiming.Stepped(clock, clock.AdvanceTo),
            DeviceExists = _ => true,
        };
        var port = LoopbackPort.Reserve();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AfmEdge:Source:Kind"] = "Board",
            ["AfmEdge:Source:Board:ConfigFile"] = boardFile,
            ["AfmEdge:Source:Frames"] = "1",
            ["AfmEdge:Source:Scan:Size"] = "2 µm",
            ["AfmEdge:Source:Scan:Pixels"] = "16",
            ["AfmEdge:Source:Scan:LineRateHz"] = "10",
            // The board's test surface is bumps, not chromosomes: the bundled models do not apply, and this test is about acquisition.
            ["AfmEdge:Enhancement:Engine"] = "bicubic",
            ["AfmEdge:Mqtt:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["AfmEdge:Mqtt:Device"] = "board-" + Guid.NewGuid().ToString("N")[..8],
        }).Build();

        using (var host = AfmEdgeHost.Build(configuration, services => services.AddSingleton(hardware)))
        {
            Assert.IsType<AfmEdge.Control.Board.BoardScanner>(host.Services.GetRequiredService<AfmEdge.Core.IScanSource>());
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await host.StartAsync(timeout.Token);
            await host.WaitForShutdownAsync(timeout.Token);

            var metrics = host.Services.GetRequiredService<PipelineMetrics>();
            Assert.Equal(1, metrics.Published);
            Assert.Equal(16, metrics.LinesAcquired);
            var height = Assert.Single(metrics.LastSummary!.Channels, c => c.Name == "Height" && c.Direction == "trace");
            Assert.InRange(height.Max - height.Min, 100e-9, 300e-9);
            Assert.Contains(metrics.LastSummary.Channels, c => c.Name == "Deflection");
            Assert.Contains(metrics.LastSummary.Correlations, c => c.Channel == "Current");
        }

        // The host's shutdown disposed the board: Z fully retracted, the buses closed.
        Assert.Equal(-10, afm.DacZ.OutputVoltage, 3);
        Assert.Throws<ObjectDisposedException>(() => afm.DacZSpi.Write(new byte[3]));
    }
}
