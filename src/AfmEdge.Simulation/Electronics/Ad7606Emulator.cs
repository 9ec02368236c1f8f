namespace AfmEdge.Simulation.Electronics;

/// <summary>
/// Byte-level emulation of the Analog Devices AD7606: 8 channels sampled simultaneously, 16-bit SAR,
/// two's complement output, hardware mode (CONVST A and B tied together), serial read on DOUTA.
/// </summary>
/// <remarks>
/// <para>Conversion and read timing (read after conversion):</para>
/// <code>
/// CONVST  ___/‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾\______
///            | track-and-hold captures V1..V8
/// BUSY    ____/‾‾‾‾‾‾‾ tCONV ≈ 4 µs ‾‾‾‾‾\_______________
///                                        | output registers updated
/// CS      ‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾\_________ ... _/‾‾
/// DOUTA                                    [ V1 D15..D0 ][ V2 ] ... [ V8 ]   128 SCLK
/// </code>
/// <para>Each result is 16 bits, two's complement, MSB first; V1 first. CS may frame all 128 clocks or
/// each 16-clock channel separately: the channel pointer survives CS. It returns to V1 when a
/// conversion starts (so a read while BUSY is high returns the previous conversion, as the datasheet
/// allows) and when BUSY falls (new data). A CS rising edge inside a word abandons the rest of that
/// word (counted in <see cref="PartialReads"/>); clocks past V8 read 0 (counted in <see cref="OverReadBytes"/>).
/// MOSI is ignored: in hardware mode the part has no serial input.</para>
/// <para>RESET (active high): the rising edge aborts a conversion in progress, clears the output
/// registers and the channel pointer. CONVST edges while RESET is high or while BUSY is high are
/// ignored and counted. The datasheet requires a RESET pulse after power-up; conversions before it
/// still run but are counted in <see cref="ConversionsWithoutReset"/>.</para>
/// <para>RANGE is sampled when the conversion starts: ±10 V when high, ±5 V when low. Inputs beyond
/// full scale clip to 0x7FFF / 0x8000.</para>
/// <para>Time comes from the injected <see cref="TimeProvider"/>: BUSY is high until
/// <see cref="ConversionTime"/> has passed (state is brought up to date lazily on every access, and a
/// timer raises <see cref="BusyChanged"/> on time even when nobody polls).</para>
/// </remarks>
public sealed class Ad7606Emulator : ISpiChip, IDisposable
{
    /// <summary>Number of analog inputs.</summary>
    public const int ChannelCount = 8;

    /// <summary>Bytes of one full serial read (8 × 16 bits).</summary>
    public const int FrameBytes = ChannelCount * 2;

    /// <summary>Conversion time with oversampling off (datasheet: 4 µs, 4.15 µs maximum).</summary>
    public static readonly TimeSpan DefaultConversionTime = TimeSpan.FromTicks(40);

    // A Monitor, not System.Threading.Lock: the conversion timer's thread contends for it, and Lock creates its
    // wait event (a managed object) lazily on the first contended wait, a stray allocation on the scan thread.
    private readonly object _gate = new();
    private readonly IAnalogInputSource _inputs;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly double[] _sampled = new double[ChannelCount];
    private readonly short[] _converting = new short[ChannelCount];
    private readonly short[] _output = new short[ChannelCount];
    private readonly ChannelFault[] _faults = new ChannelFault[ChannelCount];
    private readonly object _eventGate = new();
    private readonly Queue<bool> _busyEdges = new(8);

    private TimeSpan _conversionTime = DefaultConversionTime;
    private TimeSpan _extraDelay;
    private BusyFault _busyFault;

    private bool _convstLevel;
    private bool _resetLevel;
    private bool _rangeLevel;
    private bool _inConversion;
    private DateTimeOffset _conversionEnd;
    private int _readIndex;
    private bool _busyPin;

    private bool _hasBeenReset;
    private long _conversions;
    private long _conversionsWithoutReset;
    private long _ignoredConvstEdges;
    private long _abortedConversions;
    private long _overReadBytes;
    private long _partialReads;
    private long _rangeChangesDuringConversion;
    private bool _disposed;
    private bool _draining;

    /// <summary>Creates the ADC in its power-up state (not yet reset, RANGE low, BUSY low).</summary>
    /// <param name="inputs">Source of the eight analog input voltages.</param>
    /// <param name="timeProvider">Clock for conversion timing; <see cref="TimeProvider.System"/> when null.</param>
    public Ad7606Emulator(IAnalogInputSource inputs, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        _inputs = inputs;
        _time = timeProvider ?? TimeProvider.System;
        _timer = _time.CreateTimer(static state => ((Ad7606Emulator)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Raised with the new level on every BUSY edge, in order, outside the emulator's lock, on the thread
    /// that observed the change (a caller, or the timer). Handlers may call the emulator but must not
    /// block on another thread that does.
    /// </summary>
    public event EventHandler<bool>? BusyChanged;

    /// <summary>Conversion time (BUSY high time) of a healthy part. Must be positive.</summary>
    public TimeSpan ConversionTime
    {
        get { lock (_gate) { return _conversionTime; } }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(ConversionTime));
            lock (_gate)
            {
                _conversionTime = value;
            }
        }
    }

    /// <summary>Level of the BUSY pin now.</summary>
    public bool Busy
    {
        get
        {
            Update();
            lock (_gate)
            {
                return _busyPin;
            }
        }
    }

    /// <summary>Range the RANGE pin selects now.</summary>
    public Ad7606Range Range
    {
        get { lock (_gate) { return _rangeLevel ? Ad7606Range.PlusMinus10V : Ad7606Range.PlusMinus5V; } }
    }

    /// <summary>Level of the CONVST pin.</summary>
    public bool ConvstLevel
    {
        get { lock (_gate) { return _convstLevel; } }
    }

    /// <summary>Level of the RESET pin.</summary>
    public bool ResetLevel
    {
        get { lock (_gate) { return _resetLevel; } }
    }

    /// <summary>Whether the part has seen a RESET pulse since power-up.</summary>
    public bool HasBeenReset
    {
        get { lock (_gate) { return _hasBeenReset; } }
    }

    /// <summary>Conversions completed (output registers updated).</summary>
    public long Conversions
    {
        get { Update(); lock (_gate) { return _conversions; } }
    }

    /// <summary>Conversions started before the first RESET pulse.</summary>
    public long ConversionsWithoutReset
    {
        get { lock (_gate) { return _conversionsWithoutReset; } }
    }

    /// <summary>CONVST rising edges ignored because BUSY was high or RESET was held high.</summary>
    public long IgnoredConvstEdges
    {
        get { lock (_gate) { return _ignoredConvstEdges; } }
    }

    /// <summary>Conversions aborted by RESET.</summary>
    public long AbortedConversions
    {
        get { lock (_gate) { return _abortedConversions; } }
    }

    /// <summary>Bytes clocked out past V8 (read as 0).</summary>
    public long OverReadBytes
    {
        get { lock (_gate) { return _overReadBytes; } }
    }

    /// <summary>CS assertions that ended inside a 16-bit word.</summary>
    public long PartialReads
    {
        get { lock (_gate) { return _partialReads; } }
    }

    /// <summary>RANGE changes while a conversion ran (the datasheet advises against them).</summary>
    public long RangeChangesDuringConversion
    {
        get { lock (_gate) { return _rangeChangesDuringConversion; } }
    }

    /// <summary>Injected fault on the BUSY output.</summary>
    public BusyFault BusyFault
    {
        get { lock (_gate) { return _busyFault; } }
        set
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown BUSY fault.");
            }

            var now = _time.GetUtcNow();
            bool changed;
            lock (_gate)
            {
                _busyFault = value;
                changed = AdvanceLocked(now);
            }

            DrainBusyEventsIf(changed);
        }
    }

    /// <summary>Injected extra conversion time (slow conversions); zero when healthy.</summary>
    public TimeSpan ExtraConversionDelay
    {
        get { lock (_gate) { return _extraDelay; } }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero, nameof(ExtraConversionDelay));
            lock (_gate)
            {
                _extraDelay = value;
            }
        }
    }

    /// <summary>Makes <paramref name="channel"/> (0-based) return <paramref name="code"/> from every conversion.</summary>
    public void InjectStuckChannel(int channel, short code)
    {
        CheckChannel(channel);
        lock (_gate)
        {
            _faults[channel] = new ChannelFault(true, code);
        }
    }

    /// <summary>Saturates <paramref name="channel"/> at positive (0x7FFF) or negative (0x8000) full scale.</summary>
    public void InjectSaturation(int channel, bool positive = true) =>
        InjectStuckChannel(channel, positive ? short.MaxValue : short.MinValue);

    /// <summary>Removes any stuck or saturation fault from <paramref name="channel"/>.</summary>
    public void ClearChannelFault(int channel)
    {
        CheckChannel(channel);
        lock (_gate)
        {
            _faults[channel] = default;
        }
    }

    /// <summary>Removes every injected fault.</summary>
    public void ClearFaults()
    {
        lock (_gate)
        {
            Array.Clear(_faults);
            _extraDelay = TimeSpan.Zero;
        }

        BusyFault = BusyFault.None;
    }

    /// <summary>Drives CONVST (A and B tied). A rising edge samples all eight inputs and starts a conversion.</summary>
    public void SetConvst(bool level)
    {
        var now = _time.GetUtcNow();
        bool changed;
        lock (_gate)
        {
            changed = AdvanceLocked(now);
            bool rising = !_convstLevel && level;
            _convstLevel = level;
            if (rising)
            {
                if (_resetLevel || _inConversion)
                {
                    _ignoredConvstEdges++;
                }
                else
                {
                    StartConversionLocked(now);
                    changed |= UpdateBusyPinLocked();
                }
            }
        }

        DrainBusyEventsIf(changed);
    }

    /// <summary>Drives RESET (active high). The rising edge aborts any conversion and clears the results.</summary>
    public void SetReset(bool level)
    {
        var now = _time.GetUtcNow();
        bool changed;
        lock (_gate)
        {
            changed = AdvanceLocked(now);
            bool rising = !_resetLevel && level;
            _resetLevel = level;
            if (rising)
            {
                if (_inConversion)
                {
                    _abortedConversions++;
                }

                _inConversion = false;
                Array.Clear(_output);
                _readIndex = 0;
                _hasBeenReset = true;
                ArmTimerLocked(Timeout.InfiniteTimeSpan);
                changed |= UpdateBusyPinLocked();
            }
        }

        DrainBusyEventsIf(changed);
    }

    /// <summary>Drives RANGE: high selects ±10 V, low ±5 V, for conversions started afterwards.</summary>
    public void SetRange(bool level)
    {
        var now = _time.GetUtcNow();
        bool changed;
        lock (_gate)
        {
            changed = AdvanceLocked(now);
            if (_rangeLevel != level && _inConversion)
            {
                _rangeChangesDuringConversion++;
            }

            _rangeLevel = level;
        }

        DrainBusyEventsIf(changed);
    }

    /// <summary>The result register of <paramref name="channel"/> (0-based) as the next read would return it.</summary>
    public short GetOutputCode(int channel)
    {
        CheckChannel(channel);
        Update();
        lock (_gate)
        {
            return _output[channel];
        }
    }

    /// <summary>One CS-low period on the serial interface: clocks results out on DOUTA.</summary>
    public void Transfer(ReadOnlySpan<byte> mosi, Span<byte> miso)
    {
        if (miso.Length != mosi.Length)
        {
            throw new ArgumentException($"MISO length {miso.Length} differs from MOSI length {mosi.Length}.", nameof(miso));
        }

        var now = _time.GetUtcNow();
        bool changed;
        lock (_gate)
        {
            changed = AdvanceLocked(now);
            for (int i = 0; i < miso.Length; i++)
            {
                if (_readIndex < FrameBytes)
                {
                    short code = _output[_readIndex >> 1];
                    miso[i] = (_readIndex & 1) == 0 ? (byte)((ushort)code >> 8) : (byte)code;
                    _readIndex++;
                }
                else
                {
                    miso[i] = 0;
                    _overReadBytes++;
                }
            }

            if ((_readIndex & 1) != 0)
            {
                // The next CS falling edge starts a new word with its MSB.
                _partialReads++;
                _readIndex++;
            }
        }

        DrainBusyEventsIf(changed);
    }

    /// <summary>Converts a voltage to the code an ideal AD7606 returns: round to nearest LSB, clip at full scale.</summary>
    public static short VoltageToCode(double volts, Ad7606Range range)
    {
        if (double.IsNaN(volts))
        {
            return 0;
        }

        double counts = Math.Floor((volts / FullScale(range) * 32768.0) + 0.5);
        return (short)Math.Clamp(counts, short.MinValue, short.MaxValue);
    }

    /// <summary>Voltage at the centre of <paramref name="code"/>'s bin.</summary>
    public static double CodeToVoltage(short code, Ad7606Range range) => code * FullScale(range) / 32768.0;

    /// <summary>Positive full scale in volts (5 or 10).</summary>
    public static double FullScale(Ad7606Range range) => range switch
    {
        Ad7606Range.PlusMinus5V => 5.0,
        Ad7606Range.PlusMinus10V => 10.0,
        _ => throw new ArgumentOutOfRangeException(nameof(range), range, "Unknown AD7606 range."),
    };

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        lock (_gate)
        {
            _disposed = true;
        }

        _timer.Dispose();
    }

    private static void CheckChannel(int channel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, ChannelCount);
    }

    private void OnTimer()
    {
        var now = _time.GetUtcNow();
        bool changed;
        lock (_gate)
        {
            changed = AdvanceLocked(now);
            if (_inConversion && _busyFault != BusyFault.NeverFalls && now < _conversionEnd)
            {
                // The timer's clock ran ahead of the provider's wall clock: look again when it is due.
                ArmTimerLocked(_conversionEnd - now);
            }
        }

        DrainBusyEventsIf(changed);
    }

    private void Update()
    {
        var now = _time.GetUtcNow();
        bool changed;
        lock (_gate)
        {
            changed = AdvanceLocked(now);
        }

        DrainBusyEventsIf(changed);
    }

    // Brings the conversion state up to `now`; true when the BUSY pin changed.
    private bool AdvanceLocked(DateTimeOffset now)
    {
        if (_inConversion && _busyFault != BusyFault.NeverFalls && now >= _conversionEnd)
        {
            // BUSY falling edge: output registers take the new results, the pointer returns to V1.
            _inConversion = false;
            Array.Copy(_converting, _output, ChannelCount);
            _readIndex = 0;
            _conversions++;
        }

        return UpdateBusyPinLocked();
    }

    private bool UpdateBusyPinLocked()
    {
        bool pin = _busyFault switch
        {
            BusyFault.NeverRises => false,
            _ => _inConversion,
        };

        if (pin == _busyPin)
        {
            return false;
        }

        _busyPin = pin;
        _busyEdges.Enqueue(pin);
        return true;
    }

    private void StartConversionLocked(DateTimeOffset now)
    {
        _inputs.SampleInputs(now, _sampled);
        var range = _rangeLevel ? Ad7606Range.PlusMinus10V : Ad7606Range.PlusMinus5V;
        for (int i = 0; i < ChannelCount; i++)
        {
            var fault = _faults[i];
            _converting[i] = fault.Active ? fault.Code : VoltageToCode(_sampled[i], range);
        }

        if (!_hasBeenReset)
        {
            _conversionsWithoutReset++;
        }

        var duration = _conversionTime + _extraDelay;
        _inConversion = true;
        _conversionEnd = now + duration;
        _readIndex = 0;
        ArmTimerLocked(duration);
    }

    // BUSY edges are queued under _gate and raised in order under _eventGate, so a 4 µs pulse
    // observed by two threads at once still reaches subscribers as rising-then-falling.
    private void DrainBusyEventsIf(bool changed)
    {
        if (!changed)
        {
            return;
        }

        lock (_eventGate)
        {
            if (_draining)
            {
                // A handler on this thread re-entered the emulator; the outer loop raises the rest.
                return;
            }

            _draining = true;
            try
            {
                while (true)
                {
                    bool level;
                    lock (_gate)
                    {
                        if (!_busyEdges.TryDequeue(out level))
                        {
                            break;
                        }
                    }

                    BusyChanged?.Invoke(this, level);
                }
            }
            finally
            {
                _draining = false;
            }
        }
    }

    private void ArmTimerLocked(TimeSpan dueTime)
    {
        // After Dispose the emulator keeps working from lazy updates alone.
        if (!_disposed)
        {
            _timer.Change(dueTime, Timeout.InfiniteTimeSpan);
        }
    }

    private readonly record struct ChannelFault(bool Active, short Code);
}
