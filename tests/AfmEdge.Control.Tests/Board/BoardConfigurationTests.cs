using AfmEdge.Control.Board;
using AfmEdge.Core;
using AfmEdge.Hardware;

namespace AfmEdge.Control.Tests.Board;

public sealed class BoardConfigurationTests
{
    private static readonly Func<string, bool> AllDevicesPresent = _ => true;

    [Fact]
    public void Load_RaspberryPi5Example_BindsEveryChipAndPin()
    {
        var board = BoardConfiguration.Load(PiConfigPath(), AllDevicesPresent);

        Assert.Equal(
            ["/dev/spidev0.0", "/dev/spidev0.1", "/dev/spidev0.2", "/dev/spidev0.3"],
            new[] { board.DacX!, board.DacY!, board.DacZ!, board.Adc! }.Select(d => d.DevicePath));
        Assert.Equal(17, board.Pins.Convst);
        Assert.Equal(27, board.Pins.Busy);
        Assert.Equal(Ad7606Range.PlusMinus10V, board.AdcRange);
        Assert.Equal(new AxisCalibration(5e-8, -10, 10, 200), board.Z!.ToCalibration());
        Assert.Equal(new PidGains(0.1, 500, 0), board.Feedback.Gains);
        Assert.Equal(1e7, board.Feedback.DeflectionVoltsPerMetre);
        Assert.Equal(
            [new AdcChannelMap("Current", PhysicalUnit.Ampere, 1, 1e-9), new AdcChannelMap("Potential", PhysicalUnit.Volt, 2, 1), new AdcChannelMap("Adhesion", PhysicalUnit.Newton, 3, 1e-8)],
            board.Fields.Select(f => f.ToMap()));
    }

    [Fact]
    public void Load_MissingSpidev_NamesTheKeyAndTheDeviceNode()
    {
        var e = Assert.Throws<BoardConfigurationException>(() => BoardConfiguration.Load(PiConfigPath(), path => path != "/dev/spidev0.2"));

        var error = Assert.Single(e.Errors);
        Assert.StartsWith("Board:DacZ: /dev/spidev0.2 does not exist", error, StringComparison.Ordinal);
        Assert.Contains("raspberry-pi-5.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OnAMachineWithoutSpi_FailsBeforeOpeningAnything()
    {
        if (File.Exists("/dev/spidev0.0"))
        {
            Assert.Skip("This machine has /dev/spidev0.0.");
        }

        var e = Assert.Throws<BoardConfigurationException>(() => BoardConfiguration.Load(PiConfigPath()));

        Assert.Contains(e.Errors, m => m.StartsWith("Board:DacX: /dev/spidev0.0 does not exist", StringComparison.Ordinal));
        Assert.Contains(e.Errors, m => m.StartsWith("Board:Adc: /dev/spidev0.3 does not exist", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("\"Busy\": 27", "\"Busy\": 40", "Board:Pins:Busy = 40: unknown pin")]
    [InlineData("\"Busy\": 27", "\"Busy\": -5", "Board:Pins:Busy = -5: unknown pin")]
    [InlineData("\"Busy\": 27", "\"Busy\": -1", "Board:Pins:Busy: required")]
    [InlineData("\"Clr\": 6", "\"Clr\": 17", "Board:Pins:Clr = 17: GPIO 17 is already assigned to Board:Pins:Convst")]
    [InlineData("\"Ldac\": 5", "\"Ldac\": 10", "Board:Pins:Ldac = 10: GPIO 10 carries a signal of SPI bus 0")]
    [InlineData("\"ChipSelect\": 3", "\"ChipSelect\": 2", "Board:Adc: /dev/spidev0.2 is already used by Board:DacZ")]
    [InlineData("\"ClockHz\": 17000000", "\"ClockHz\": 30000000", "Board:Adc:ClockHz = 30000000: must be in (0, 23500000]")]
    [InlineData("\"MaxVolts\": 10, \"MaxSlewVoltsPerSecond\": 200", "\"MaxVolts\": 12, \"MaxSlewVoltsPerSecond\": 200", "Board:Z: window [-10, 12] V exceeds the DAC references")]
    [InlineData("\"Integral\": 500", "\"Integral\": -1", "Board:Feedback:Integral = -1")]
    [InlineData("\"DeflectionChannel\": 0", "\"DeflectionChannel\": 8", "Board:Feedback:DeflectionChannel = 8")]
    [InlineData("\"DeflectionVoltsPerMetre\": 1e7", "\"DeflectionVoltsPerMetre\": 0", "Board:Feedback:DeflectionVoltsPerMetre = 0: must be positive")]
    [InlineData("\"ZResponseSeconds\": 0,", "\"ZResponseSeconds\": -0.001,", "Board:Feedback:ZResponseSeconds = -0.001: must be in [0, 1] s")]
    [InlineData("\"ClockHz\": 10000000", "\"ClockHz\": 20000000", "Board:DacX:ClockHz = 20000000: must be in (0, 10000000]")]
    [InlineData("\"AdcChannel\": 2", "\"AdcChannel\": 1", "Board:Fields:1:AdcChannel = 1: input 1 is already read by Board:Fields:0:AdcChannel")]
    [InlineData("\"AdcChannel\": 1,", "\"AdcChannel\": 0,", "Board:Fields:0:AdcChannel = 0: input 0 is already read by Board:Feedback:DeflectionChannel")]
    [InlineData("\"AdcChannel\": 3", "\"AdcChannel\": 9", "Board:Fields:2:AdcChannel = 9: the AD7606 has inputs 0 to 7")]
    [InlineData("\"Name\": \"Adhesion\"", "\"Name\": \"Current\"", "Board:Fields:2:Name = 'Current': already recorded by Board:Fields:0")]
    [InlineData("\"Name\": \"Adhesion\"", "\"Name\": \"Height\"", "Board:Fields:2:Name = 'Height': already recorded by the Z piezo")]
    [InlineData("\"UnitsPerVolt\": 1 }", "\"UnitsPerVolt\": 0 }", "Board:Fields:1:UnitsPerVolt = 0: must be finite and non-zero")]
    public void Parse_BadValue_NamesTheKey(string original, string replacement, string expected)
    {
        var e = Assert.Throws<BoardConfigurationException>(() => BoardConfiguration.Parse(PiConfig(original, replacement), "test.json", AllDevicesPresent));

        Assert.Contains(e.Errors, m => m.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_HeightAsZSensorAndError_ReachesTheEngine()
    {
        var board = BoardConfiguration.Parse(
            PiConfig("\"ZResponseSeconds\": 0,\n      \"HeightIncludesError\": false", "\"ZResponseSeconds\": 2e-5,\n      \"HeightIncludesError\": true"), "test.json", AllDevicesPresent);

        var engine = board.ToScanEngineOptions(new ScanSettings { SizeX = 1e-6, SizeY = 1e-6, PixelsX = 64, PixelsY = 64, LineRateHz = 1 });
        Assert.Equal(2e-5, engine.ZResponseSeconds);
        Assert.True(engine.HeightIncludesError);

        // The Pi example names both, off: Height is the Z command, as before.
        var plain = BoardConfiguration.Load(PiConfigPath(), AllDevicesPresent).ToScanEngineOptions(engine.Scan);
        Assert.Equal(0, plain.ZResponseSeconds);
        Assert.False(plain.HeightIncludesError);
    }

    [Fact]
    public void Parse_MisspeltKey_IsRejectedWithItsPath()
    {
        var e = Assert.Throws<BoardConfigurationException>(() => BoardConfiguration.Parse(PiConfig("\"Busy\": 27", "\"Bsy\": 27"), "test.json", AllDevicesPresent));

        Assert.Contains("Bsy", Assert.Single(e.Errors), StringComparison.Ordinal);
        Assert.StartsWith("Board:Pins", e.Errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoBoardSection_SaysSo()
    {
        var e = Assert.Throws<BoardConfigurationException>(() => BoardConfiguration.Parse("{ \"AfmEdge\": {} }", "default.json", AllDevicesPresent));

        Assert.Contains("no top-level \"Board\" section", e.Message, StringComparison.Ordinal);
    }

    private static string PiConfig(string original, string replacement)
    {
        string text = File.ReadAllText(PiConfigPath());
        Assert.Contains(original, text, StringComparison.Ordinal);
        return text.Replace(original, replacement, StringComparison.Ordinal);
    }

    private static string PiConfigPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "device-config", "raspberry-pi-5.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("device-config/raspberry-pi-5.json not found above " + AppContext.BaseDirectory);
    }
}
