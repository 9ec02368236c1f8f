using AfmEdge.Core;
using AfmEdge.Hardware;

namespace AfmEdge.Control.Board;

/// <summary>One chip on a Linux spidev bus: <c>/dev/spidev{Bus}.{ChipSelect}</c> at <see cref="ClockHz"/>.</summary>
public sealed class BoardSpiDevice
{
    /// <summary>SPI bus number (the B of /dev/spidevB.C).</summary>
    public int Bus { get; init; }

    /// <summary>Chip select on the bus (the C of /dev/spidevB.C).</summary>
    public int ChipSelect { get; init; }

    /// <summary>SCLK frequency, hertz.</summary>
    public int ClockHz { get; init; }

    /// <summary>The device node this chip is reached through.</summary>
    public string DevicePath => $"/dev/spidev{Bus}.{ChipSelect}";
}

/// <summary>
/// GPIO lines (BCM numbers on the 40-pin header) of the converters. The three DACs share LDAC (one
/// pulse updates X, Y and Z together) and CLR (one line clears all three to their safe code); −1
/// marks an optional line that is not wired.
/// </summary>
public sealed class BoardPins
{
    /// <summary>AD7606 CONVST A/B (tied), required.</summary>
    public int Convst { get; init; } = -1;

    /// <summary>AD7606 BUSY, required.</summary>
    public int Busy { get; init; } = -1;

    /// <summary>AD7606 RESET.</summary>
    public int AdcReset { get; init; } = -1;

    /// <summary>AD7606 RANGE (low ±5 V, high ±10 V).</summary>
    public int Range { get; init; } = -1;

    /// <summary>AD5791 LDAC, shared by the three DACs.</summary>
    public int Ldac { get; init; } = -1;

    /// <summary>AD5791 CLR, shared by the three DACs.</summary>
    public int Clr { get; init; } = -1;

    /// <summary>AD5791 RESET of the Z DAC.</summary>
    public int DacZReset { get; init; } = -1;
}

/// <summary>One piezo axis: sensitivity, calibrated voltage window and slew limit (see <see cref="AxisCalibration"/>).</summary>
public sealed class BoardAxis
{
    /// <summary>Displacement per volt, metres.</summary>
    public double MetresPerVolt { get; init; }

    /// <summary>Lowest allowed output, volts.</summary>
    public double MinVolts { get; init; }

    /// <summary>Highest allowed output, volts.</summary>
    public double MaxVolts { get; init; }

    /// <summary>Fastest allowed change of the output, volts per second.</summary>
    public double MaxSlewVoltsPerSecond { get; init; }

    /// <summary>As the engine's calibration record.</summary>
    public AxisCalibration ToCalibration() => new(MetresPerVolt, MinVolts, MaxVolts, MaxSlewVoltsPerSecond);
}

/// <summary>Z feedback settings of the board.</summary>
public sealed class BoardFeedback
{
    /// <summary>Kp, V/V.</summary>
    public double Proportional { get; init; }

    /// <summary>Ki, per second.</summary>
    public double Integral { get; init; }

    /// <summary>Kd, seconds.</summary>
    public double Derivative { get; init; }

    /// <summary>Deflection setpoint, volts.</summary>
    public double SetpointVolts { get; init; } = 0.5;

    /// <summary>AD7606 input of the deflection signal (0-based).</summary>
    public int DeflectionChannel { get; init; }

    /// <summary>Optical lever sensitivity: volts of deflection signal per metre of cantilever deflection (records Deflection in metres).</summary>
    public double DeflectionVoltsPerMetre { get; init; }

    /// <summary>The Z piezo's first-order response time, seconds: Height records where the piezo was at each sample (<see cref="ScanEngineOptions.ZResponseSeconds"/>); 0, the default, records the command.</summary>
    public double ZResponseSeconds { get; init; }

    /// <summary>Height adds the deflection's error in metres (<see cref="ScanEngineOptions.HeightIncludesError"/>); needs a calibrated DeflectionVoltsPerMetre.</summary>
    public bool HeightIncludesError { get; init; }

    /// <summary>The gains as the engine takes them.</summary>
    public PidGains Gains => new(Proportional, Integral, Derivative);
}

/// <summary>An AD7606 input recorded as an image channel beside Height and Deflection (e.g. a probe module's current).</summary>
public sealed class BoardField
{
    /// <summary>Channel name, e.g. "Current".</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>SI unit symbol of the recorded values ("A", "V", "N", "m"; "" for dimensionless).</summary>
    public string Unit { get; init; } = string.Empty;

    /// <summary>AD7606 input, 0-based (V1 = 0); −1 until given.</summary>
    public int AdcChannel { get; init; } = -1;

    /// <summary>Scale from ADC volts to <see cref="Unit"/>, e.g. 1e-9 A/V behind a 1 GΩ transimpedance amplifier.</summary>
    public double UnitsPerVolt { get; init; }

    /// <summary>As the engine's channel map.</summary>
    public AdcChannelMap ToMap() => new(Name, new PhysicalUnit(Unit), AdcChannel, UnitsPerVolt);
}

/// <summary>
/// The "Board" section of a device config: how the converters of a real microscope board are wired
/// (spidev nodes, GPIO lines), the references of the DACs, the calibrated limits of the piezos and the
/// Z feedback. Checked as a whole before any device is opened.
/// </summary>
public sealed class BoardOptions
{
    /// <summary>Top-level key of the section.</summary>
    public const string SectionName = "Board";

    // The 40-pin header exposes BCM GPIO 0–27 on every Raspberry Pi with it, the Pi 5 (RP1) included.
    private const int MaxHeaderGpio = 27;

    // Header GPIOs of the SPI0 and SPI1 signals (MISO, MOSI, SCLK and the CE lines) in their default
    // function: a control pin there would fight the bus.
    private static readonly Dictionary<int, int[]> SpiBusPins = new()
    {
        [0] = [7, 8, 9, 10, 11],
        [1] = [16, 17, 18, 19, 20, 21],
    };

    /// <summary>Free text naming the board.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>X DAC (AD5791).</summary>
    public BoardSpiDevice? DacX { get; init; }

    /// <summary>Y DAC (AD5791).</summary>
    public BoardSpiDevice? DacY { get; init; }

    /// <summary>Z DAC (AD5791).</summary>
    public BoardSpiDevice? DacZ { get; init; }

    /// <summary>ADC (AD7606).</summary>
    public BoardSpiDevice? Adc { get; init; }

    /// <summary>Control lines.</summary>
    public BoardPins Pins { get; init; } = new();

    /// <summary>Positive reference of the DACs, volts.</summary>
    public double DacReferencePositive { get; init; } = 10;

    /// <summary>Negative reference of the DACs, volts.</summary>
    public double DacReferenceNegative { get; init; } = -10;

    /// <summary>AD7606 input range.</summary>
    public Ad7606Range AdcRange { get; init; } = Ad7606Range.PlusMinus10V;

    /// <summary>Fast-axis piezo.</summary>
    public BoardAxis? X { get; init; }

    /// <summary>Slow-axis piezo.</summary>
    public BoardAxis? Y { get; init; }

    /// <summary>Z piezo.</summary>
    public BoardAxis? Z { get; init; }

    /// <summary>Z feedback.</summary>
    public BoardFeedback Feedback { get; init; } = new();

    /// <summary>Further ADC inputs recorded as channels (which input carries Current, Potential, Adhesion and their scales).</summary>
    public IReadOnlyList<BoardField> Fields { get; init; } = [];

    /// <summary>The scan engine's options for <paramref name="scan"/> on this board (not validated here; the engine validates them).</summary>
    public ScanEngineOptions ToScanEngineOptions(ScanSettings scan)
    {
        ArgumentNullException.ThrowIfNull(scan);
        if (X is null || Y is null || Z is null)
        {
            throw new InvalidOperationException($"{SectionName}: X, Y and Z are required; validate the board first.");
        }

        return new ScanEngineOptions
        {
            Scan = scan,
            X = X.ToCalibration(),
            Y = Y.ToCalibration(),
            Z = Z.ToCalibration(),
            Gains = Feedback.Gains,
            SetpointVolts = Feedback.SetpointVolts,
            DeflectionChannel = Feedback.DeflectionChannel,
            DeflectionVoltsPerMetre = Feedback.DeflectionVoltsPerMetre,
            ZResponseSeconds = Feedback.ZResponseSeconds,
            HeightIncludesError = Feedback.HeightIncludesError,
            Fields = [.. Fields.Select(f => f.ToMap())],
        };
    }

    /// <summary>Every violated constraint, each naming its key (e.g. <c>Board:Pins:Busy</c>); empty when the board can be opened.</summary>
    /// <param name="deviceExists">Whether a device node exists (default: the file system); tests pass their own.</param>
    public IReadOnlyList<string> Validate(Func<string, bool>? deviceExists = null)
    {
        deviceExists ??= File.Exists;
        var errors = new List<string>();
        var devices = new (string Key, BoardSpiDevice? Device, int MaxClockHz)[]
        {
            // Initialisation verifies every DAC register by readback, which needs the slower read timing.
            ("DacX", DacX, Ad5791.MaxReadClockHz),
            ("DacY", DacY, Ad5791.MaxReadClockHz),
            ("DacZ", DacZ, Ad5791.MaxReadClockHz),
            ("Adc", Adc, Ad7606.MaxClockHz),
        };
        var buses = new HashSet<int>();
        var nodes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, device, maxClock) in devices)
        {
            string name = $"{SectionName}:{key}";
            if (device is null)
            {
                errors.Add($"{name}: missing; give Bus, ChipSelect and ClockHz.");
                continue;
            }

            if (device.Bus < 0 || device.ChipSelect < 0)
            {
                errors.Add($"{name}: Bus = {device.Bus}, ChipSelect = {device.ChipSelect}: must not be negative.");
                continue;
            }

            buses.Add(device.Bus);
            if (!(device.ClockHz > 0 && device.ClockHz <= maxClock))
            {
                errors.Add($"{name}:ClockHz = {device.ClockHz}: must be in (0, {maxClock}] Hz for this chip.");
            }

            if (nodes.TryGetValue(device.DevicePath, out var other))
            {
                errors.Add($"{name}: {device.DevicePath} is already used by {other}.");
            }
            else
            {
                nodes.Add(device.DevicePath, name);
                if (!deviceExists(device.DevicePath))
                {
                    errors.Add($"{name}: {device.DevicePath} does not exist (is SPI enabled, e.g. dtparam=spi=on, with enough chip selects, and is the bus/chip select right?).");
                }
            }
        }

        ValidatePins(errors, buses);
        if (!(double.IsFinite(DacReferenceNegative) && double.IsFinite(DacReferencePositive) && DacReferenceNegative < DacReferencePositive))
        {
            errors.Add($"{SectionName}:DacReferenceNegative/DacReferencePositive = {DacReferenceNegative}/{DacReferencePositive}: need finite Negative < Positive.");
        }

        if (!Enum.IsDefined(AdcRange))
        {
            errors.Add($"{SectionName}:AdcRange = {AdcRange}: unknown range.");
        }

        foreach (var (key, axis) in new[] { ("X", X), ("Y", Y), ("Z", Z) })
        {
            string name = $"{SectionName}:{key}";
            if (axis is null)
            {
                errors.Add($"{name}: missing; give MetresPerVolt, MinVolts, MaxVolts and MaxSlewVoltsPerSecond.");
                continue;
            }

            errors.AddRange(axis.ToCalibration().Validate(name).Select(e => e.Replace(name + ".", name + ":", StringComparison.Ordinal)));
            if (axis.MinVolts < DacReferenceNegative || axis.MaxVolts > DacReferencePositive)
            {
                errors.Add($"{name}: window [{axis.MinVolts}, {axis.MaxVolts}] V exceeds the DAC references [{DacReferenceNegative}, {DacReferencePositive}] V.");
            }
        }

        errors.AddRange(Feedback.Gains.Validate().Select(e => $"{SectionName}:Feedback:{e.Replace("Gains.", string.Empty, StringComparison.Ordinal)}"));
        if (!(Feedback.SetpointVolts > 0 && Feedback.SetpointVolts < 10))
        {
            errors.Add($"{SectionName}:Feedback:SetpointVolts = {Feedback.SetpointVolts}: must be in (0, 10) V.");
        }

        if (Feedback.DeflectionChannel is < 0 or >= Ad7606.ChannelCount)
        {
            errors.Add($"{SectionName}:Feedback:DeflectionChannel = {Feedback.DeflectionChannel}: the AD7606 has inputs 0 to {Ad7606.ChannelCount - 1}.");
        }

        if (!(Feedback.DeflectionVoltsPerMetre > 0 && double.IsFinite(Feedback.DeflectionVoltsPerMetre)))
        {
            errors.Add($"{SectionName}:Feedback:DeflectionVoltsPerMetre = {Feedback.DeflectionVoltsPerMetre}: must be positive and finite (the optical lever's volts per metre of deflection).");
        }

        if (!(Feedback.ZResponseSeconds >= 0 && Feedback.ZResponseSeconds <= 1))
        {
            errors.Add($"{SectionName}:Feedback:ZResponseSeconds = {Feedback.ZResponseSeconds}: must be in [0, 1] s (the Z piezo's response time; 0 records the Z command).");
        }

        ValidateFields(errors);
        return errors;
    }

    private void ValidateFields(List<string> errors)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal) { ["Height"] = "the Z piezo", ["Deflection"] = $"{SectionName}:Feedback" };
        var inputs = new Dictionary<int, string> { [Feedback.DeflectionChannel] = $"{SectionName}:Feedback:DeflectionChannel" };
        var fields = Fields ?? [];
        for (int i = 0; i < fields.Count; i++)
        {
            string key = $"{SectionName}:Fields:{i}";
            var field = fields[i];
            if (field is null)
            {
                errors.Add($"{key}: must be an object with Name, Unit, AdcChannel and UnitsPerVolt.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(field.Name) || field.Name.Any(char.IsWhiteSpace))
            {
                errors.Add($"{key}:Name = '{field.Name}': must be a non-empty name without spaces, e.g. Current.");
            }
            else if (names.TryGetValue(field.Name, out var owner))
            {
                errors.Add($"{key}:Name = '{field.Name}': already recorded by {owner}.");
            }
            else
            {
                names.Add(field.Name, key);
            }

            if (field.Unit is null || field.Unit.Any(char.IsWhiteSpace))
            {
                errors.Add($"{key}:Unit = '{field.Unit}': must be an SI symbol without spaces (\"A\", \"V\", \"N\"; \"\" for dimensionless).");
            }

            if (field.AdcChannel is < 0 or >= Ad7606.ChannelCount)
            {
                errors.Add($"{key}:AdcChannel = {field.AdcChannel}: the AD7606 has inputs 0 to {Ad7606.ChannelCount - 1}.");
            }
            else if (inputs.TryGetValue(field.AdcChannel, out var other))
            {
                errors.Add($"{key}:AdcChannel = {field.AdcChannel}: input {field.AdcChannel} is already read by {other}.");
            }
            else
            {
                inputs.Add(field.AdcChannel, key + ":AdcChannel");
            }

            if (!(double.IsFinite(field.UnitsPerVolt) && field.UnitsPerVolt != 0))
            {
                errors.Add($"{key}:UnitsPerVolt = {field.UnitsPerVolt}: must be finite and non-zero.");
            }
        }
    }

    private void ValidatePins(List<string> errors, HashSet<int> buses)
    {
        var pins = new (string Key, int Pin, bool Required)[]
        {
            ("Convst", Pins.Convst, true),
            ("Busy", Pins.Busy, true),
            ("AdcReset", Pins.AdcReset, false),
            ("Range", Pins.Range, false),
            ("Ldac", Pins.Ldac, false),
            ("Clr", Pins.Clr, false),
            ("DacZReset", Pins.DacZReset, false),
        };
        var taken = new Dictionary<int, string>();
        foreach (var (key, pin, required) in pins)
        {
            string name = $"{SectionName}:Pins:{key}";
            if (pin == -1)
            {
                if (required)
                {
                    errors.Add($"{name}: required; give its GPIO number (0–{MaxHeaderGpio}).");
                }

                continue;
            }

            if (pin is < 0 or > MaxHeaderGpio)
            {
                errors.Add($"{name} = {pin}: unknown pin; the header has GPIO 0–{MaxHeaderGpio} (−1: not wired).");
                continue;
            }

            if (taken.TryGetValue(pin, out var other))
            {
                errors.Add($"{name} = {pin}: GPIO {pin} is already assigned to {other}.");
                continue;
            }

            taken.Add(pin, name);
            foreach (int bus in buses)
            {
                if (SpiBusPins.TryGetValue(bus, out var busPins) && busPins.Contains(pin))
                {
                    errors.Add($"{name} = {pin}: GPIO {pin} carries a signal of SPI bus {bus}, which this board uses.");
                }
            }
        }
    }
}
