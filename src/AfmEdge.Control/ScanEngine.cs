using System.Threading.Channels;
using AfmEdge.Core;
using AfmEdge.Hardware;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AfmEdge.Control;

/// <summary>
/// The real-time scan loop: raster over X/Y through two AD5791s, Z feedback through a third on the
/// AD7606's deflection channel, trace and retrace of every channel recorded, lines written to a
/// <see cref="ChannelWriter{T}"/> (waiting with the tip under feedback when it is full, never dropping).
/// Runs on a dedicated thread; allocates nothing per line in steady state.
/// </summary>
/// <remarks>
/// <para>Per point: step X and Y toward the raster position (slew-limited, window-clamped), convert
/// and read all eight ADC channels, check them, update the PID, step Z, then wait for the point's
/// deadline. Height is Z in metres: the command just written, or, as the options ask, where the piezo
/// was when the point was sampled (<see cref="ScanEngineOptions.ZResponseSeconds"/>) plus the
/// deflection's error (<see cref="ScanEngineOptions.HeightIncludesError"/>). Safety, always on: window and slew limits in <see cref="DacAxis"/>; a watchdog on the
/// point deadline; stuck or saturated deflection; SPI and BUSY failures; Z held at a window end;
/// cancellation/Dispose. Each retracts Z (slew-limited ramp, within one line by validation; the CLR
/// pin when the Z DAC's SPI itself fails) and then raises <see cref="Faulted"/> with the reason.</para>
/// </remarks>
public sealed class ScanEngine : IScanSource, IDisposable
{
    private readonly ScanEngineOptions _options;
    private readonly Ad7606 _adc;
    private readonly LoopTiming _timing;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly DacAxis _x;
    private readonly DacAxis _y;
    private readonly DacAxis _z;
    private readonly ZPid _pid;
    private readonly ChannelDescriptor[] _channels;
    private readonly short[] _codes = new short[Ad7606.ChannelCount];
    private readonly long _pointTicks;
    private readonly long _slackTicks;
    private readonly double _dt;
    private readonly double _cos;
    private readonly double _sin;
    private readonly Lock _gate = new();

    private CancellationTokenSource? _stop;
    private Thread? _thread;
    private object? _pendingGains; // boxed PidGains, applied between lines
    private double _pendingSetpoint = double.NaN;
    private long _deadline;
    private double _targetX;
    private double _targetY;
    private double _deflection;

    // Where the Z piezo has extended (volts), modelled from the commands held since each sample (ZResponseSeconds), and the
    // share of the remaining step it makes per point.
    private double _zSensed;
    private readonly double _zFollow;
    private short _lastDeflectionCode;
    private int _sameCodeRun;
    private int _saturatedRun;
    private int _zLimitRun;
    private double _lastZStep;
    private double _oscillationScore;
    private long _frame;
    private int _line = -1;
    private bool _started;
    private bool _engaged;
    private bool _disposed;

    /// <summary>Validates <paramref name="options"/> and binds the chips; nothing is written to them yet.</summary>
    /// <exception cref="ArgumentException">Invalid options, listing every problem.</exception>
    public ScanEngine(ScanEngineOptions options, Ad5791 dacX, Ad5791 dacY, Ad5791 dacZ, Ad7606 adc, LoopTiming timing, ILogger<ScanEngine>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dacX);
        ArgumentNullException.ThrowIfNull(dacY);
        ArgumentNullException.ThrowIfNull(dacZ);
        ArgumentNullException.ThrowIfNull(adc);
        ArgumentNullException.ThrowIfNull(timing);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid scan options: " + string.Join(" ", errors), nameof(options));
        }

        if (dacX == dacY || dacX == dacZ || dacY == dacZ)
        {
            throw new ArgumentException("X, Y and Z need three distinct DACs.", nameof(dacZ));
        }

        _options = options;
        _adc = adc;
        _timing = timing;
        _time = timing.Time;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _dt = options.PointSeconds;
        _x = new DacAxis("X", dacX, options.X, _dt);
        _y = new DacAxis("Y", dacY, options.Y, _dt);
        _z = new DacAxis("Z", dacZ, options.Z, _dt);
        _pid = new ZPid(options.Gains, options.SetpointVolts, options.Z.MinVolts, options.Z.MaxVolts);
        _zFollow = options.ZResponseSeconds > 0 ? 1 - Math.Exp(-_dt / options.ZResponseSeconds) : 1;
        _pointTicks = Math.Max(1, (long)(_dt * _time.TimestampFrequency));
        _slackTicks = (long)(options.WatchdogSlack.TotalSeconds * _time.TimestampFrequency);
        double angle = options.Scan.AngleDegrees * Math.PI / 180;
        _cos = Math.Cos(angle);
        _sin = Math.Sin(angle);

        string[] names = ["Height", "Deflection", .. options.Fields.Select(f => f.Name)];
        PhysicalUnit[] units = [PhysicalUnit.Metre, PhysicalUnit.Metre, .. options.Fields.Select(f => f.Unit)];
        _channels = new ChannelDescriptor[names.Length * 2];
        for (int i = 0; i < names.Length; i++)
        {
            _channels[i] = new ChannelDescriptor(names[i], units[i], ScanDirection.Trace);
            _channels[names.Length + i] = new ChannelDescriptor(names[i], units[i], ScanDirection.Retrace);
        }
    }

    /// <summary>Raised on the scan thread after Z has been retracted, once per stop.</summary>
    public event EventHandler<ScanFault>? Faulted;

    /// <inheritdoc />
    public IReadOnlyList<ChannelDescriptor> Channels => _channels;

    /// <inheritdoc />
    public ScanSettings Scan => _options.Scan;

    /// <summary>The options in force.</summary>
    public ScanEngineOptions Options => _options;

    /// <summary>The last fault (null while none).</summary>
    public ScanFault? LastFault { get; private set; }

    /// <summary>Loop figures.</summary>
    public ScanStatistics Statistics { get; } = new();

    /// <summary>Whether the tip is engaged under feedback.</summary>
    public bool IsEngaged => Volatile.Read(ref _engaged);

    /// <summary>The three axes with their limits (tests and telemetry).</summary>
    public (DacAxis X, DacAxis Y, DacAxis Z) Axes => (_x, _y, _z);

    /// <summary>New gains; they take effect at the next line.</summary>
    public void SetGains(PidGains gains)
    {
        var errors = gains.Validate().ToList();
        if (errors.Count > 0)
        {
            throw new ArgumentOutOfRangeException(nameof(gains), gains, string.Join(" ", errors));
        }

        Volatile.Write(ref _pendingGains, gains);
    }

    /// <summary>New deflection setpoint in volts; it takes effect at the next line.</summary>
    public void SetSetpoint(double volts)
    {
        if (!(volts > 0 && volts < 10))
        {
            throw new ArgumentOutOfRangeException(nameof(volts), volts, "Setpoint must be in (0, 10) V.");
        }

        Volatile.Write(ref _pendingSetpoint, volts);
    }

    /// <inheritdoc />
    /// <remarks>Approaches first when not engaged. Faults end the task with <see cref="ScanFaultException"/>.</remarks>
    public Task RunAsync(ChannelWriter<ScanLine> lines, long frameCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentOutOfRangeException.ThrowIfNegative(frameCount);
        return StartLoop(token => ScanFrames(lines, frameCount, token), cancellationToken);
    }

    /// <summary>Approaches (on the loop thread) until the setpoint is reached; faults with <see cref="ScanFaultKind.ApproachFailed"/> when Z runs out.</summary>
    public Task ApproachAsync(CancellationToken cancellationToken) => StartLoop(
        token =>
        {
            StartAxes();
            MoveXyTo(Position(0, 0), token);
            Approach(token);
        },
        cancellationToken);

    /// <summary>Retracts Z fully (slew-limited) and disengages.</summary>
    public Task RetractAsync(CancellationToken cancellationToken) => StartLoop(
        _ =>
        {
            StartAxes();
            Retract();
        },
        cancellationToken);

    /// <summary>Stops a running loop (retracting Z), or retracts directly when idle.</summary>
    public void Dispose()
    {
        Thread? thread;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            thread = _thread;
            _stop?.Cancel();
        }

        if (thread is not null)
        {
            // From a Faulted handler the loop thread is finishing on its own; joining it would deadlock.
            if (thread != Thread.CurrentThread)
            {
                thread.Join();
            }
        }
        else if (_started)
        {
            try
            {
                Retract();
            }
            catch (IOException)
            {
                _z.EmergencyClear();
            }
        }
    }

    private Task StartLoop(Action<CancellationToken> body, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_thread is not null)
            {
                throw new InvalidOperationException("The scan loop is already running.");
            }

            _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var token = _stop.Token;
            _thread = new Thread(() => Loop(body, done, token))
            {
                IsBackground = true,
                Name = "AfmEdge scan loop",
                Priority = ThreadPriority.AboveNormal,
            };
            _thread.Start();
        }

        return done.Task;
    }

    private void Loop(Action<CancellationToken> body, TaskCompletionSource done, CancellationToken token)
    {
        ScanFault? fault = null;
        Exception? error = null;
        bool cancelled = false;
        try
        {
            body(token);
        }
        catch (FaultSignal f)
        {
            fault = f.Fault;
            error = f.InnerException;
        }
        catch (OperationCanceledException)
        {
            cancelled = true;
            fault = NewFault(ScanFaultKind.Shutdown, "Scan stopped by request (cancellation, shutdown or Dispose).");
        }
        catch (Exception e) when (e is IOException)
        {
            fault = NewFault(e is BusyTimeoutException ? ScanFaultKind.BusyTimeout : ScanFaultKind.SpiFailure, e.Message);
            error = e;
        }
        catch (Exception e)
        {
            done.TrySetException(e);
            SafeRetract();
            ClearThread();
            return;
        }

        if (fault is not null)
        {
            SafeRetract();
            LastFault = fault;
            if (fault.Kind == ScanFaultKind.Shutdown)
            {
                Log.Stopped(_logger, fault.Reason);
            }
            else
            {
                Log.Fault(_logger, fault.Kind, fault.FrameSequence, fault.LineIndex, fault.Reason);
            }

            Faulted?.Invoke(this, fault);
        }

        ClearThread();
        if (cancelled)
        {
            done.TrySetCanceled(token);
        }
        else if (fault is not null)
        {
            done.TrySetException(new ScanFaultException(fault, error));
        }
        else
        {
            done.TrySetResult();
        }
    }

    private void ClearThread()
    {
        lock (_gate)
        {
            _thread = null;
            _stop?.Dispose();
            _stop = null;
        }
    }

    private void ScanFrames(ChannelWriter<ScanLine> writer, long frameCount, CancellationToken token)
    {
        PrepareHotPath();
        StartAxes();
        int pixels = _options.Scan.PixelsX;
        int perDirection = _options.PointsPerDirection;
        int channelCount = _channels.Length;
        PrewarmLinePool(pixels, channelCount);
        for (long frame = 0; frameCount == 0 || frame < frameCount; frame++)
        {
            _frame = frame;
            for (int line = 0; line < _options.Scan.PixelsY; line++)
            {
                _line = line;
                token.ThrowIfCancellationRequested();
                long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                ApplyPending();
                MoveXyTo(Position(0, line), token);
                if (!_engaged)
                {
                    Approach(token);
                }

                var scanLine = ScanLine.Rent(frame, line, pixels, channelCount);
                try
                {
                    for (int k = 0; k < perDirection; k++)
                    {
                        Sweep(scanLine, line, k, ScanDirection.Trace);
                    }

                    for (int k = perDirection - 1; k >= 0; k--)
                    {
                        Sweep(scanLine, line, k, ScanDirection.Retrace);
                    }

                    Emit(writer, scanLine, token);
                }
                catch
                {
                    // The unfinished line is not a line: give its buffer back, emit nothing.
                    scanLine.Return();
                    throw;
                }

                Statistics.RecordLine(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
            }
        }

        Retract();
    }

    // Compile the per-point methods before the first deadline: a first-call JIT of several milliseconds
    // in the middle of a line would trip the watchdog on a real-time clock.
    private static void PrepareHotPath()
    {
        const System.Reflection.BindingFlags All = System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.DeclaredOnly;
        foreach (var type in new[] { typeof(ScanEngine), typeof(ZPid), typeof(DacAxis), typeof(Ad5791), typeof(Ad7606), typeof(ScanStatistics) })
        {
            foreach (var method in type.GetMethods(All))
            {
                if (!method.IsAbstract && !method.ContainsGenericParameters)
                {
                    System.Runtime.CompilerServices.RuntimeHelpers.PrepareMethod(method.MethodHandle);
                }
            }
        }
    }

    // Lines are rented here and returned by consumers on other threads; stocking ScanLinePool with as many
    // buffers as lines are usually in flight keeps even the first frame allocation-free.
    private static void PrewarmLinePool(int pixels, int channelCount)
    {
        const int Stock = 32;
        Span<ScanLine> stock = new ScanLine[Stock];
        for (int i = 0; i < Stock; i++)
        {
            stock[i] = ScanLine.Rent(0, 0, pixels, channelCount);
        }

        foreach (var line in stock)
        {
            line.Return();
        }
    }

    private void Sweep(ScanLine scanLine, int line, int index, ScanDirection direction)
    {
        var (xv, yv) = Position(index, line);
        Point(xv, yv);
        int pixel = index - _options.OverscanPoints;
        if ((uint)pixel >= (uint)_options.Scan.PixelsX)
        {
            return;
        }

        int names = _channels.Length / 2;
        int baseChannel = direction == ScanDirection.Trace ? 0 : names;
        double lsb = _adc.LsbVolts;
        scanLine.Samples(baseChannel)[pixel] = (float)RecordedHeight();
        scanLine.Samples(baseChannel + 1)[pixel] = (float)(_deflection / _options.DeflectionVoltsPerMetre);
        var fields = _options.Fields;
        for (int f = 0; f < fields.Count; f++)
        {
            var map = fields[f];
            scanLine.Samples(baseChannel + 2 + f)[pixel] = (float)(_codes[map.AdcChannel] * lsb * map.UnitsPerVolt);
        }
    }

    // Height in metres: Z, plus the error the loop has not yet taken out. The error belongs with where the piezo was when the
    // point was sampled, not with the command the loop has written since; with neither option Z is that command, as always.
    private double RecordedHeight()
    {
        double z = _options.ZResponseSeconds > 0 || _options.HeightIncludesError ? _zSensed : _z.Volts;
        double error = _options.HeightIncludesError ? (_deflection - _pid.Setpoint) / _options.DeflectionVoltsPerMetre : 0;
        return (-z * _options.Z.MetresPerVolt) + error;
    }

    private void Emit(ChannelWriter<ScanLine> writer, ScanLine line, CancellationToken token)
    {
        // Never drop: while the consumer is behind, hold the position under feedback and try again.
        while (!writer.TryWrite(line))
        {
            token.ThrowIfCancellationRequested();
            Point(_targetX, _targetY);
        }
    }

    // Raster position of point `index` (overscan included) on `line`, in DAC volts.
    private (double X, double Y) Position(int index, int line)
    {
        var scan = _options.Scan;
        double u = (((index - _options.OverscanPoints + 0.5) / scan.PixelsX) - 0.5) * scan.SizeX;
        double v = (((line + 0.5) / scan.PixelsY) - 0.5) * scan.SizeY;
        double x = scan.OffsetX + (u * _cos) - (v * _sin);
        double y = scan.OffsetY + (u * _sin) + (v * _cos);
        return (x / _options.X.MetresPerVolt, y / _options.Y.MetresPerVolt);
    }

    private void StartAxes()
    {
        if (_started)
        {
            return;
        }

        // X/Y start (and fall back) at the centre of their windows, Z fully retracted.
        double cx = Math.Clamp(0, _options.X.MinVolts, _options.X.MaxVolts);
        double cy = Math.Clamp(0, _options.Y.MinVolts, _options.Y.MaxVolts);
        Guard(() =>
        {
            _z.Start(_options.Z.MinVolts, _options.Z.MinVolts);
            _x.Start(cx, cx);
            _y.Start(cy, cy);
        });
        _targetX = _x.Volts;
        _targetY = _y.Volts;
        _zSensed = _z.Volts;
        _deadline = _time.GetTimestamp();
        _started = true;
    }

    private void MoveXyTo((double X, double Y) target, CancellationToken token)
    {
        int points = 0;
        while (!Point(target.X, target.Y))
        {
            if ((++points & 1023) == 0)
            {
                token.ThrowIfCancellationRequested();
            }
        }
    }

    private void Approach(CancellationToken token)
    {
        int points = 0;
        Statistics.StartApproach();
        while (true)
        {
            Point(_targetX, _targetY);
            if (_deflection >= _pid.Setpoint)
            {
                _pid.Reset(_z.Volts);
                _zLimitRun = 0;
                _oscillationScore = 0;
                _lastZStep = 0;
                Volatile.Write(ref _engaged, true);
                Log.Engaged(_logger, _z.Volts, _deflection);
                return;
            }

            if (_z.AtMax)
            {
                throw Fault(ScanFaultKind.ApproachFailed, $"Approach ran out of Z range at {_z.Volts:0.000} V without reaching the setpoint {_pid.Setpoint:0.000} V (deflection {_deflection:0.000} V): the sample is out of reach.");
            }

            try
            {
                _z.MoveToward(_z.Volts + _options.ApproachStepVolts);
                Statistics.RecordApproachStep();
            }
            catch (IOException e)
            {
                throw Fault(ScanFaultKind.SpiFailure, "Z DAC: " + e.Message, e);
            }

            if ((++points & 255) == 0)
            {
                token.ThrowIfCancellationRequested();
            }
        }
    }

    // One control period; true when X and Y have reached the target.
    private bool Point(double xVolts, double yVolts)
    {
        _targetX = xVolts;
        _targetY = yVolts;
        bool reached;
        try
        {
            reached = _x.MoveToward(xVolts) & _y.MoveToward(yVolts);
            _adc.ConvertAndRead(_codes);
        }
        catch (BusyTimeoutException e)
        {
            throw Fault(ScanFaultKind.BusyTimeout, e.Message, e);
        }
        catch (IOException e)
        {
            throw Fault(ScanFaultKind.SpiFailure, e.Message, e);
        }

        CheckDeflection();

        // The sample was taken with the piezo moving toward the command held since the last one.
        _zSensed += _zFollow * (_z.Volts - _zSensed);
        if (_engaged)
        {
            double z = _pid.Update(_deflection, _dt);
            double before = _z.Volts;
            try
            {
                _z.MoveToward(z);
            }
            catch (IOException e)
            {
                throw Fault(ScanFaultKind.SpiFailure, "Z DAC: " + e.Message, e);
            }

            CheckZRange();
            CheckOscillation(_z.Volts - before);
        }

        // Out of contact a late point only delays the next slew-limited step; under feedback it is a fault.
        Pace(watchdog: _engaged);
        return reached;
    }

    private void CheckDeflection()
    {
        short code = _codes[_options.DeflectionChannel];
        _deflection = code * _adc.LsbVolts;
        _sameCodeRun = code == _lastDeflectionCode ? _sameCodeRun + 1 : 1;
        _lastDeflectionCode = code;
        _saturatedRun = code is short.MaxValue or short.MinValue ? _saturatedRun + 1 : 0;
        if (_saturatedRun >= _options.SaturationPoints)
        {
            throw Fault(ScanFaultKind.AdcSaturated, $"Deflection (ADC input {_options.DeflectionChannel}) at full scale (code {code}) for {_saturatedRun} points.");
        }

        if (_sameCodeRun >= _options.StuckPoints)
        {
            throw Fault(ScanFaultKind.AdcStuck, $"Deflection (ADC input {_options.DeflectionChannel}) returned code {code} for {_sameCodeRun} points in a row: the ADC input looks stuck.");
        }
    }

    private void CheckZRange()
    {
        bool atLimit = _pid.Saturated && (_z.AtMax || _z.AtMin);
        _zLimitRun = atLimit ? _zLimitRun + 1 : 0;
        if (_zLimitRun >= _options.ZLimitPoints)
        {
            string where = _z.AtMax ? "fully extended: contact lost (surface out of reach below)" : "fully retracted: the surface is too high";
            throw Fault(ScanFaultKind.ZOutOfRange, $"Z held at {_z.Volts:0.000} V, {where}, for {_zLimitRun} points.");
        }
    }

    // A stable loop moves Z smoothly (reversals only at noise size); an unstable one reverses its large
    // steps point after point. Exponential window of ~32 points, no allocation.
    private void CheckOscillation(double step)
    {
        const double Decay = 1.0 / 32;
        bool reversal = Math.Abs(step) >= _options.OscillationStepVolts && Math.Abs(_lastZStep) >= _options.OscillationStepVolts && Math.Sign(step) != Math.Sign(_lastZStep);
        _oscillationScore += Decay * ((reversal ? 1.0 : 0.0) - _oscillationScore);
        if (step != 0)
        {
            _lastZStep = step;
        }

        if (_oscillationScore >= _options.OscillationFraction)
        {
            throw Fault(ScanFaultKind.Oscillation, $"Z feedback oscillates: {_oscillationScore:P0} of recent points reversed a Z step of at least {_options.OscillationStepVolts} V (gains P = {_pid.Gains.Proportional}, I = {_pid.Gains.Integral}/s too high?).");
        }
    }

    private void Pace(bool watchdog)
    {
        _deadline += _pointTicks;
        long now = _time.GetTimestamp();
        long late = now - _deadline;
        if (late > 0)
        {
            Statistics.RecordPoint(TimeSpan.FromSeconds((double)late / _time.TimestampFrequency));
            if (watchdog && late > _slackTicks)
            {
                throw Fault(ScanFaultKind.DeadlineMissed, $"Point deadline missed by {(double)late / _time.TimestampFrequency * 1e6:0} µs (slack {_options.WatchdogSlack.TotalMicroseconds:0} µs).");
            }

            _deadline = now; // resynchronise rather than rush the next points
            return;
        }

        _timing.WaitUntil(_deadline);
        Statistics.RecordPoint(TimeSpan.FromSeconds((double)Math.Max(0, _time.GetTimestamp() - _deadline) / _time.TimestampFrequency));
    }

    private void ApplyPending()
    {
        var gains = Interlocked.Exchange(ref _pendingGains, null);
        if (gains is PidGains g)
        {
            _pid.Gains = g;
        }

        double setpoint = Interlocked.Exchange(ref _pendingSetpoint, double.NaN);
        if (!double.IsNaN(setpoint))
        {
            _pid.Setpoint = setpoint;
        }
    }

    private void Retract()
    {
        Volatile.Write(ref _engaged, false);
        _deadline = _time.GetTimestamp();
        while (!_z.MoveTowardCode(_z.MinCode))
        {
            Pace(watchdog: false);
        }
    }

    private void SafeRetract()
    {
        try
        {
            Retract();
        }
        catch (IOException)
        {
            // The Z DAC's SPI failed: the CLR pin loads the retracted clearcode without SPI.
            _z.EmergencyClear();
        }
    }

    private void Guard(Action action)
    {
        try
        {
            action();
        }
        catch (IOException e)
        {
            throw Fault(ScanFaultKind.SpiFailure, e.Message, e);
        }
    }

    private ScanFault NewFault(ScanFaultKind kind, string reason) => new(kind, reason, _frame, _line, _time.GetUtcNow());

    private FaultSignal Fault(ScanFaultKind kind, string reason, Exception? inner = null) => new(NewFault(kind, reason), inner);

    private sealed class FaultSignal(ScanFault fault, Exception? inner) : Exception(fault.Reason, inner)
    {
        public ScanFault Fault { get; } = fault;
    }
}
