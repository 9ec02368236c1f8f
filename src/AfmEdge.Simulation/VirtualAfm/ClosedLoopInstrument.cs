using AfmEdge.Core;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Simulation.VirtualAfm;

/// <summary>
/// The instrument model of <see cref="InstrumentOptions"/> for the closed-loop virtual AFM, which sees the DAC
/// commands one sample at a time instead of the whole path: piezo hysteresis on the fast axis and creep on the
/// slow axis, thermal drift in x/y/z, sample tilt, scars, noise per channel (white, 1/f, row offsets), the
/// probes' spatial offsets, signal lag and the retrace offset. The tip shape belongs to the surface
/// (<see cref="DilatedSurface"/>) and the Z feedback is the scan engine's own PID, so
/// <see cref="InstrumentOptions.Feedback"/> and <see cref="InstrumentOptions.FastAxisSubsamples"/> do not apply.
/// </summary>
/// <remarks>
/// <para>Lines are recognised from the motion itself: a reversal of the command along the scan's fast axis
/// starts a new half line (trace or retrace), which draws that half line's row offsets and scar. Hysteresis
/// bows each sweep by <see cref="PiezoModel.Hysteresis"/> with the loop opening to Hysteresis × the previous
/// sweep's length; a slow-axis move of at least a quarter of the scan (the return to the frame's start) creeps
/// on by Creep × its length, decaying as <see cref="PiezoModel.CreepRemaining"/> over one frame time.</para>
/// <para>Not thread-safe: <see cref="VirtualAfm"/> calls it under its lock. Allocates only in the constructor.</para>
/// </remarks>
public sealed class ClosedLoopInstrument
{
    private const int Channels = 4;

    private readonly InstrumentOptions _options;
    private readonly double _cos;
    private readonly double _sin;
    private readonly double _centreX;
    private readonly double _centreY;
    private readonly double _jumpThreshold;
    private readonly double _frameTime;
    private readonly double _pinkBaseFrequency;
    private readonly ulong[] _noiseSeeds = new ulong[Channels];
    private readonly ulong[] _pinkSeeds = new ulong[Channels];
    private readonly ulong _scarSeed;
    private readonly PinkCell[] _pinkCells = new PinkCell[Channels * InstrumentNoise.PinkOctaves];
    private readonly double[] _rowOffsets = new double[Channels];
    private readonly (double X, double Y) _currentOffset;
    private readonly (double X, double Y) _potentialOffset;

    private bool _started;
    private double _fast;
    private int _fastDirection;
    private double _sweepStart;
    private double _sweepSpan;
    private long _halfLine = -1;
    private bool _scarred;
    private ScarDraw _scar;
    private double _slow;
    private int _slowDirection;
    private double _runStart;
    private double _creep;
    private double _creepStart;
    private double _lastX;
    private double _lastY;
    private double _lastTime = double.NaN;
    private long _sample;

    /// <summary>The model for <paramref name="scan"/> (its geometry, frame time and size scale the piezo effects).</summary>
    /// <exception cref="ArgumentException">An option is out of its range (the message names it).</exception>
    public ClosedLoopInstrument(InstrumentOptions options, ScanSettings scan, long noiseSeed)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scan);
        options.ThrowIfInvalid(scan);
        _options = options;
        double angle = scan.AngleDegrees * Math.PI / 180;
        _cos = Math.Cos(angle);
        _sin = Math.Sin(angle);
        _centreX = scan.OffsetX;
        _centreY = scan.OffsetY;
        _jumpThreshold = 0.25 * scan.SizeY;
        _frameTime = scan.PixelsY / scan.LineRateHz;
        _sweepSpan = (1 + (2 * scan.Overscan)) * scan.SizeX;
        _pinkBaseFrequency = scan.LineRateHz / 16.0;
        for (int c = 0; c < Channels; c++)
        {
            // The same streams IdealScan draws from, so one seed means the same noise process in either loop.
            _noiseSeeds[c] = Hashing.Stream(noiseSeed, 1000 + (ulong)c);
            _pinkSeeds[c] = Hashing.Stream(noiseSeed, 2000 + (ulong)(c * 16));
        }

        _scarSeed = Hashing.Stream(noiseSeed, 3000);
        _currentOffset = ToScanner(options.ProbeOffsets.Current.Dx, options.ProbeOffsets.Current.Dy);
        _potentialOffset = ToScanner(options.ProbeOffsets.Potential.Dx, options.ProbeOffsets.Potential.Dy);
    }

    /// <summary>The options in force.</summary>
    public InstrumentOptions Options => _options;

    /// <summary>Half lines (trace or retrace sweeps) seen so far, counting the first move.</summary>
    public long HalfLines => _halfLine + 1;

    /// <summary>
    /// Where the piezo heads for when commanded to (<paramref name="commandX"/>, <paramref name="commandY"/>)
    /// metres at <paramref name="time"/> seconds: hysteresis moves it along the fast axis, creep along the slow one.
    /// </summary>
    public (double X, double Y) PiezoTarget(double time, double commandX, double commandY)
    {
        double fast = (_cos * commandX) + (_sin * commandY);
        double slow = (-_sin * commandX) + (_cos * commandY);
        if (!_started)
        {
            _started = true;
            _fast = fast;
            _sweepStart = fast;
            _slow = slow;
            _runStart = slow;
        }

        TrackFast(fast);
        TrackSlow(time, slow);
        double fraction = Math.Abs(fast - _sweepStart) / _sweepSpan;

        // The trace lags below its command and the retrace above it, most at mid sweep.
        double u = fast - (_fastDirection * PiezoModel.Hysteresis(fraction, _options.Piezo.Hysteresis * _sweepSpan));
        double v = slow + (_creep * PiezoModel.CreepRemaining(time - _creepStart, _options.Piezo.CreepTime, _frameTime));
        return ((_cos * u) - (_sin * v), (_sin * u) + (_cos * v));
    }

    /// <summary>
    /// What the probes meet with probe 1 at (<paramref name="x"/>, <paramref name="y"/>) at <paramref name="time"/>:
    /// the height under the tip (drift, tilt, noise, row offset and scar included) and the three fields read by
    /// their own probes (offsets, lag and noise included), in base units.
    /// </summary>
    public void Sample(ISurface surface, double time, double x, double y, out double height, out double current, out double potential, out double adhesion)
    {
        ArgumentNullException.ThrowIfNull(surface);
        var trace = _options.TraceRetrace;
        double vx = 0, vy = 0;
        if (!double.IsNaN(_lastTime) && time > _lastTime)
        {
            vx = (x - _lastX) / (time - _lastTime);
            vy = (y - _lastY) / (time - _lastTime);
        }

        _lastX = x;
        _lastY = y;
        _lastTime = time;
        if (_fastDirection < 0)
        {
            x += _cos * trace.RetraceOffset;
            y += _sin * trace.RetraceOffset;
        }

        // The sample drifts by velocity × time, so the tip meets the point that was velocity × time behind it.
        var drift = _options.Drift;
        double sx = x - (drift.VelocityX * time);
        double sy = y - (drift.VelocityY * time);
        var (u, v) = ToScan(sx - _centreX, sy - _centreY);
        var tilt = _options.Tilt;
        height = surface.HeightAt(sx, sy) + (tilt.SlopeX * u) + (tilt.SlopeY * v) + (drift.VelocityZ * time) + Noise(0, time);
        if (_scarred)
        {
            double along = Math.Abs(_fast - _sweepStart) / _sweepSpan;
            if (along >= _scar.Start && along < _scar.Start + _scar.Length)
            {
                height += _scar.Amplitude;
            }
        }

        // The field signals arrive Lag late: they describe where the probes were Lag ago.
        double lx = sx - (vx * trace.Lag);
        double ly = sy - (vy * trace.Lag);
        current = surface.CurrentAt(lx + _currentOffset.X, ly + _currentOffset.Y) + Noise(1, time);
        potential = surface.PotentialAt(lx + _potentialOffset.X, ly + _potentialOffset.Y) + Noise(2, time);
        adhesion = surface.AdhesionAt(lx, ly) + Noise(3, time);
        _sample++;
    }

    private void TrackFast(double fast)
    {
        double delta = fast - _fast;
        if (delta == 0)
        {
            return;
        }

        int direction = delta > 0 ? 1 : -1;
        if (direction != _fastDirection)
        {
            // A reversal at the previous command: the sweep that ended sets the scale of the next one's loop.
            double span = Math.Abs(_fast - _sweepStart);
            if (_fastDirection != 0 && span > 0)
            {
                _sweepSpan = span;
            }

            _sweepStart = _fast;
            _fastDirection = direction;
            StartHalfLine(direction > 0 ? 0 : 1);
        }

        _fast = fast;
    }

    private void TrackSlow(double time, double slow)
    {
        double delta = slow - _slow;
        int direction = delta > 0 ? 1 : delta < 0 ? -1 : 0;
        if (direction != _slowDirection)
        {
            // A run of motion ended: a large one (the return to the frame's start) keeps creeping after it.
            double run = _slow - _runStart;
            if (_slowDirection != 0 && Math.Abs(run) >= _jumpThreshold)
            {
                _creep = -_options.Piezo.Creep * run;
                _creepStart = time;
            }

            _runStart = _slow;
            _slowDirection = direction;
        }

        _slow = slow;
    }

    private void StartHalfLine(long directionKey)
    {
        _halfLine++;
        for (int c = 0; c < Channels; c++)
        {
            _rowOffsets[c] = _options.Noise.For(c).RowOffset * Hashing.Gaussian(Hashing.Combine(_noiseSeeds[c], directionKey, _halfLine, -1));
        }

        _scarred = InstrumentNoise.TryScar(_scarSeed, _options.Scars, directionKey, _halfLine, out _scar);
    }

    private double Noise(int channel, double time)
    {
        var noise = _options.Noise.For(channel);
        double value = _rowOffsets[channel];
        if (noise.White > 0)
        {
            value += noise.White * Hashing.Gaussian(Hashing.Combine(_noiseSeeds[channel], 2, _sample));
        }

        if (noise.Pink > 0)
        {
            var cells = _pinkCells.AsSpan(channel * InstrumentNoise.PinkOctaves, InstrumentNoise.PinkOctaves);
            value += noise.Pink * InstrumentNoise.Pink(_pinkSeeds[channel], time * _pinkBaseFrequency, cells);
        }

        return value;
    }

    private (double U, double V) ToScan(double dx, double dy) => ((_cos * dx) + (_sin * dy), (-_sin * dx) + (_cos * dy));

    private (double X, double Y) ToScanner(double du, double dv) => ((_cos * du) - (_sin * dv), (_sin * du) + (_cos * dv));
}
