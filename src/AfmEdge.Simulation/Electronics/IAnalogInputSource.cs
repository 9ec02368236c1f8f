namespace AfmEdge.Simulation.Electronics;

/// <summary>
/// The analog world in front of an ADC: returns the input voltages at the instant the track-and-hold
/// captures them. The virtual microscope implements it to close the loop (deflection, current, ...).
/// </summary>
/// <remarks>Called with the ADC's internal lock held: do not call back into the ADC.</remarks>
public interface IAnalogInputSource
{
    /// <summary>Fills <paramref name="voltages"/> (one entry per channel, V1 first) with the inputs at <paramref name="time"/>.</summary>
    void SampleInputs(DateTimeOffset time, Span<double> voltages);
}

/// <summary>An <see cref="IAnalogInputSource"/> with settable, constant voltages (bench supply; test fixture).</summary>
public sealed class FixedAnalogInputs : IAnalogInputSource
{
    private readonly double[] _volts;

    /// <summary>Creates <paramref name="channelCount"/> inputs at 0 V.</summary>
    public FixedAnalogInputs(int channelCount = Ad7606Emulator.ChannelCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channelCount);
        _volts = new double[channelCount];
    }

    /// <summary>Number of inputs.</summary>
    public int ChannelCount => _volts.Length;

    /// <summary>Voltage of input <paramref name="channel"/> (0-based: V1 is 0).</summary>
    public double this[int channel]
    {
        get => Volatile.Read(ref _volts[CheckChannel(channel)]);
        set => Volatile.Write(ref _volts[CheckChannel(channel)], value);
    }

    /// <summary>Sets every input to <paramref name="volts"/>.</summary>
    public void SetAll(double volts)
    {
        for (int i = 0; i < _volts.Length; i++)
        {
            Volatile.Write(ref _volts[i], volts);
        }
    }

    /// <inheritdoc />
    public void SampleInputs(DateTimeOffset time, Span<double> voltages)
    {
        int n = Math.Min(voltages.Length, _volts.Length);
        for (int i = 0; i < n; i++)
        {
            voltages[i] = Volatile.Read(ref _volts[i]);
        }

        voltages[n..].Clear();
    }

    private int CheckChannel(int channel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, _volts.Length);
        return channel;
    }
}
