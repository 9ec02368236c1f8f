using AfmEdge.Hardware;

namespace AfmEdge.Control;

/// <summary>
/// One DAC-driven piezo axis behind its limits: every code written lies in the calibrated window, and
/// no two successive codes differ by more than the slew rate allows per point. Allocates nothing.
/// </summary>
public sealed class DacAxis
{
    private readonly Ad5791 _dac;

    /// <summary>Binds <paramref name="dac"/> to its calibration at <paramref name="pointSeconds"/> per update.</summary>
    public DacAxis(string name, Ad5791 dac, AxisCalibration calibration, double pointSeconds)
    {
        ArgumentNullException.ThrowIfNull(dac);
        ArgumentNullException.ThrowIfNull(calibration);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pointSeconds);
        if (calibration.MinVolts < dac.ReferenceNegative || calibration.MaxVolts > dac.ReferencePositive)
        {
            throw new ArgumentOutOfRangeException(nameof(calibration), calibration, $"{name} window [{calibration.MinVolts}, {calibration.MaxVolts}] V exceeds the DAC's references [{dac.ReferenceNegative}, {dac.ReferencePositive}] V.");
        }

        Name = name;
        _dac = dac;
        Calibration = calibration;
        double lsb = dac.LsbVolts;
        MinCode = (uint)Math.Ceiling((calibration.MinVolts - dac.ReferenceNegative) / lsb);
        MaxCode = (uint)Math.Floor((calibration.MaxVolts - dac.ReferenceNegative) / lsb);
        MaxStepCodes = (uint)Math.Max(1, Math.Floor(calibration.MaxSlewVoltsPerSecond * pointSeconds / lsb));
    }

    /// <summary>Axis name for messages.</summary>
    public string Name { get; }

    /// <summary>The calibration.</summary>
    public AxisCalibration Calibration { get; }

    /// <summary>Lowest code allowed.</summary>
    public uint MinCode { get; }

    /// <summary>Highest code allowed.</summary>
    public uint MaxCode { get; }

    /// <summary>Largest change per update.</summary>
    public uint MaxStepCodes { get; }

    /// <summary>Code on the DAC now.</summary>
    public uint Code { get; private set; }

    /// <summary>Voltage on the DAC now.</summary>
    public double Volts => _dac.CodeToVoltage(Code);

    /// <summary>Whether the output sits at the bottom of the window.</summary>
    public bool AtMin => Code <= MinCode;

    /// <summary>Whether the output sits at the top of the window.</summary>
    public bool AtMax => Code >= MaxCode;

    /// <summary>Initialises the DAC (clamp released at <paramref name="startVolts"/>), or takes over an initialised one by ramping.</summary>
    public void Start(double startVolts, double safeVolts)
    {
        uint start = ToCode(startVolts);
        uint safe = ToCode(safeVolts);
        if (!_dac.IsInitialized)
        {
            _dac.Initialize(start, safe);
            Code = start;
        }
        else
        {
            Code = Math.Clamp(_dac.LastCode, MinCode, MaxCode);
        }
    }

    /// <summary>The window-clamped code nearest to <paramref name="volts"/>.</summary>
    public uint ToCode(double volts)
    {
        if (double.IsNaN(volts))
        {
            return Code;
        }

        double v = Math.Clamp(volts, Calibration.MinVolts, Calibration.MaxVolts);
        double code = Math.Round((v - _dac.ReferenceNegative) / _dac.LsbVolts);
        return (uint)Math.Clamp(code, MinCode, MaxCode);
    }

    /// <summary>One slew-limited step toward <paramref name="volts"/>; true once the (clamped) target is reached.</summary>
    public bool MoveToward(double volts) => MoveTowardCode(ToCode(volts));

    /// <summary>One slew-limited step toward <paramref name="target"/> (already in the window).</summary>
    public bool MoveTowardCode(uint target)
    {
        target = Math.Clamp(target, MinCode, MaxCode);
        if (target == Code)
        {
            return true;
        }

        uint next = target > Code ? Math.Min(target, Code + MaxStepCodes) : Math.Max(target, Code - Math.Min(Code, MaxStepCodes));
        _dac.WriteCode(next);
        Code = next;
        return next == target;
    }

    /// <summary>Emergency: the DAC's clear (CLR pin when wired) to its safe code, for when SPI itself fails.</summary>
    public void EmergencyClear()
    {
        _dac.Clear();
        Code = _dac.SafeCode;
    }
}
