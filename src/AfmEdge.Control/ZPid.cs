namespace AfmEdge.Control;

/// <summary>
/// The Z feedback controller: PID on the deflection (error) signal with derivative on the measurement
/// (a setpoint change gives no kick), integrator-clamping anti-windup and an output clamp.
/// A larger deflection than the setpoint means the tip presses too hard, so the output (Z extension) falls.
/// </summary>
public sealed class ZPid
{
    private double _integral;
    private double _lastMeasurement;
    private bool _hasLast;

    /// <summary>Creates the controller with its output window (the Z axis' voltage window).</summary>
    public ZPid(PidGains gains, double setpoint, double outputMin, double outputMax)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(outputMin, outputMax);
        Gains = gains;
        Setpoint = setpoint;
        OutputMin = outputMin;
        OutputMax = outputMax;
    }

    /// <summary>Gains in force.</summary>
    public PidGains Gains { get; set; }

    /// <summary>Deflection setpoint, volts.</summary>
    public double Setpoint { get; set; }

    /// <summary>Lowest output.</summary>
    public double OutputMin { get; }

    /// <summary>Highest output.</summary>
    public double OutputMax { get; }

    /// <summary>The last output.</summary>
    public double Output { get; private set; }

    /// <summary>Whether the last output was clamped at a limit.</summary>
    public bool Saturated { get; private set; }

    /// <summary>Bumpless start: the next output continues from <paramref name="output"/>.</summary>
    public void Reset(double output)
    {
        Output = Math.Clamp(output, OutputMin, OutputMax);
        _integral = Output;
        _hasLast = false;
        Saturated = false;
    }

    /// <summary>One step with <paramref name="measurement"/> (volts) after <paramref name="dt"/> seconds; returns the clamped output.</summary>
    public double Update(double measurement, double dt)
    {
        double error = Setpoint - measurement;
        double p = Gains.Proportional * error;
        double d = 0;
        if (_hasLast && dt > 0)
        {
            d = -Gains.Derivative * (measurement - _lastMeasurement) / dt;
        }

        _lastMeasurement = measurement;
        _hasLast = true;

        // Anti-windup by integrator clamping: the integral never leaves the output window, so after any
        // time at a limit the output leaves it on the first step the error changes sign.
        _integral = Math.Clamp(_integral + (Gains.Integral * error * dt), OutputMin, OutputMax);
        double u = p + _integral + d;
        Saturated = u >= OutputMax || u <= OutputMin;
        Output = Math.Clamp(u, OutputMin, OutputMax);
        return Output;
    }
}
