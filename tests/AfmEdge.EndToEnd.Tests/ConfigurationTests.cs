using System.Text.Json;
using AfmEdge.Cli;
using AfmEdge.EndToEnd.Tests.Support;
using AfmEdge.Host.Options;
using AfmEdge.Messaging;

namespace AfmEdge.EndToEnd.Tests;

public sealed class ConfigurationTests
{
    private static string DefaultConfigPath => Path.Combine(TestPaths.RepositoryRoot, "device-config", "default.json");

    [Fact]
    public void DefaultConfig_MatchesItsSchema()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(DefaultConfigPath));
        Assert.Null(Schemas.Problems(Schemas.Config, document.RootElement));
    }

    [Fact]
    public void DefaultConfig_LoadsAndEqualsEmbeddedDefaults()
    {
        var fromFile = ConfigurationLoader.Load(ConfigurationLoader.Build(DefaultConfigPath));
        var embedded = ConfigurationLoader.Load(ConfigurationLoader.Build(null));
        // `afmedge run` without --config must behave as with device-config/default.json.
        Assert.Equal(JsonSerializer.Serialize(embedded.Source), JsonSerializer.Serialize(fromFile.Source));
        Assert.Equal(JsonSerializer.Serialize(embedded.Mqtt), JsonSerializer.Serialize(fromFile.Mqtt));
        Assert.Equal(JsonSerializer.Serialize(embedded.Pipeline), JsonSerializer.Serialize(fromFile.Pipeline));
        Assert.Equal(JsonSerializer.Serialize(embedded.Preview), JsonSerializer.Serialize(fromFile.Preview));
        Assert.Equal(JsonSerializer.Serialize(embedded.Plots), JsonSerializer.Serialize(fromFile.Plots));
        Assert.Equal(embedded.Processing.EffectiveSteps, fromFile.Processing.EffectiveSteps);
        Assert.Equal(embedded.Processing.Accelerator, fromFile.Processing.Accelerator);
        Assert.Equal(embedded.Enhancement.Engine, fromFile.Enhancement.Engine);
        Assert.Equal(MqttBrokerMode.Embedded, fromFile.Mqtt.Broker);
    }

    public static TheoryData<string, string> BadConfigs => new()
    {
        { """{ "AfmEdge": { "Source": { "Scan": { "Pixels": -5 } } } }""", "AfmEdge:Source:Scan:Pixels = -5" },
        { """{ "AfmEdge": { "Source": { "Scan": { "Size": "20 kg" } } } }""", "AfmEdge:Source:Scan:Size = '20 kg'" },
        { """{ "AfmEdge": { "Source": { "Scan": { "Size": "-3 µm" } } } }""", "AfmEdge:Source:Scan:Size" },
        { """{ "AfmEdge": { "Source": { "Scan": { "LineRateHz": 0 } } } }""", "AfmEdge:Source:Scan:LineRateHz = 0" },
        { """{ "AfmEdge": { "Mqtt": { "Port": 70000 } } }""", "AfmEdge:Mqtt:Port = 70000" },
        { """{ "AfmEdge": { "Mqtt": { "Device": "a/b" } } }""", "AfmEdge:Mqtt:Device" },
        { """{ "AfmEdge": { "Pipeline": { "AnalyseEvery": 0 } } }""", "AfmEdge:Pipeline:AnalyseEvery = 0: must be between 1 (every frame)" },
        { """{ "AfmEdge": { "Processing": { "Steps": [ "level:plane", "sharpen" ] } } }""", "AfmEdge:Processing:Steps:1 = 'sharpen'" },
        { """{ "AfmEdge": { "Plots": { "MaxRateHz": 0 } } }""", "AfmEdge:Plots:MaxRateHz = 0: must be above 0 and at most 10" },
        { """{ "AfmEdge": { "Plots": { "MaxRateHz": 25 } } }""", "AfmEdge:Plots:MaxRateHz = 25" },
        { """{ "AfmEdge": { "Plots": { "MaxSide": 64 } } }""", "AfmEdge:Plots:MaxSide = 64: must be between 120 and 2048" },
        { """{ "AfmEdge": { "Plots": { "Enabled": "sometimes" } } }""", "AfmEdge:Plots:Enabled" },
        { """{ "AfmEdge": { "Plots": { "Rate": 1 } } }""", "Rate" },
        { """{ "AfmEdge": { "Enhancement": { "Engine": "magic" } } }""", "AfmEdge:Enhancement:Engine = 'magic'" },
        { """{ "AfmEdge": { "Processing": { "Accelerator": "gpu" } } }""", "AfmEdge:Processing:Accelerator = 'gpu'" },
        { """{ "AfmEdge": { "Source": { "Scan": { "Pixels": "many" } } } }""", "AfmEdge:Source:Scan:Pixels" },
        { """{ "AfmEdge": { "Source": { "Scna": { } } } }""", "Scna" },
        { """{ "AfmEdge": { "Source": { "Kind": "Microscope" } } }""", "AfmEdge:Source:Kind" },
        { """{ "AfmEdge": { "Source": { "Kind": "Board" } } }""", "AfmEdge:Source:Board:ConfigFile is empty" },
        { """{ "AfmEdge": { "Source": { "Kind": "Board", "Board": { "ConfigFile": "/nonexistent/board.json" } } } }""", "AfmEdge:Source:Board:ConfigFile = '/nonexistent/board.json': cannot be read" },
        { """{ "AfmEdge": { "Source": { "VirtualMicroscope": { "Loop": "Open" } } } }""", "AfmEdge:Source:VirtualMicroscope:Loop" },
        { """{ "AfmEdge": { "Mqtt": { "Port": 1883, } """, "not valid JSON at line" },
        { """[ 1, 2 ]""", "must hold a JSON object" },
        { """{ "AfmEdge": { "Source": { "VirtualMicroscope": { "Instrument": { "Tip": { "ApexRadius": 0 } } } } } }""", "AfmEdge:Source:VirtualMicroscope:Instrument:Tip:ApexRadius = 0" },
        { """{ "AfmEdge": { "Source": { "VirtualMicroscope": { "Specimen": { "Fields": { "Current": { "PArm": { "Correlation": 1.5 } } } } } } } }""", "AfmEdge:Source:VirtualMicroscope:Specimen:Fields:Current:PArm:Correlation = 1.5" },
        { """{ "AfmEdge": { "Source": { "VirtualMicroscope": { "Instrument": { "ProbeOffsets": { "Current": { "Dx": 3e-5 } } } } } } }""", "AfmEdge:Source:VirtualMicroscope:Instrument:ProbeOffsets:Current:Dx" },
        { """{ "AfmEdge": { "Source": { "VirtualMicroscope": { "Specimen": { "FieldSizeX": -2e-5 } } } } }""", "AfmEdge:Source:VirtualMicroscope:Specimen:FieldSizeX" },
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public async Task Run_BadConfig_ExitsTwoNamingTheFieldAndStartsNothing(string json, string expectedMessage)
    {
        var path = Path.Combine(Scratch.Folder("afmedge-config-").FullName, "bad.json");
        await File.WriteAllTextAsync(path, json, TestContext.Current.CancellationToken);
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = await AfmEdgeCli.InvokeAsync(["run", "--config", path, "--frames", "1", "--no-pace"], output, error, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains(expectedMessage, error.ToString(), StringComparison.Ordinal);
        // The "running" banner is written only once the host has started: no output means nothing started.
        Assert.Empty(output.ToString());
    }

    [Fact]
    public async Task Run_MissingConfigFile_ExitsTwo()
    {
        var error = new StringWriter();
        var exit = await AfmEdgeCli.InvokeAsync(["run", "--config", "/nonexistent/afmedge.json"], new StringWriter(), error, TestContext.Current.CancellationToken);
        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains("does not exist", error.ToString(), StringComparison.Ordinal);
    }
}
