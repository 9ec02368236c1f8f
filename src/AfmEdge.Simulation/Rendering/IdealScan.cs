using System.Buffers;
using System.Globalization;
using AfmEdge.Core;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Simulation.Rendering;

/// <summary>
/// Renders frames straight from a specimen and the instrument model, without the electronics: the fast
/// path for datasets, the CLI and the default run. Channels are Height, Current, Potential, Adhesion
/// (trace), then the same four retrace when asked.
/// </summary>
/// <remarks>
/// Instrument mode, per frame: the specimen is sampled once on a grid in scan coordinates (fast axis:
/// <see cref="InstrumentOptions.FastAxisSubsamples"/> samples per pixel; slow axis: one per line, aligned
/// with the lines), the height grid is dilated by the tip, then every line is scanned in time — trace
/// then retrace, overscan included — with each sample's position moved by hysteresis, creep, drift, lag
/// and the probe offsets, and read from the grids by bilinear interpolation. Height goes through the Z
/// feedback; each pixel averages its dwell's samples along the fast axis; lines are discrete along the
/// slow axis. Noise, row offsets and scars are added per pixel from hashes, so rows render in parallel
/// and the result does not depend on thread count.
/// </remarks>
public static class IdealScan
{
    /// <summary>Renders one frame; validates <paramref name="scan"/> and (unless clean) <paramref name="instrument"/>.</summary>
    public static Frame Render(ISpecimen specimen, ScanSettings scan, InstrumentOptions instrument, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(specimen);
        options = Checked(scan, instrument, options);
        if (!options.Clean)
        {
            instrument.ThrowIfInvalid(scan);
        }

        var pixels = scan.PixelsX * scan.PixelsY;
        var data = new float[options.IncludeRetrace ? 8 : 4][];
        for (var c = 0; c < data.Length; c++)
        {
            data[c] = new float[pixels];
        }

        if (options.Clean)
        {
            RenderClean(specimen, scan, data);
        }
        else
        {
            RenderInstrument(specimen, scan, instrument, options, data);
        }

        var descriptors = SimulatedChannels.Descriptors(options.IncludeRetrace);
        var channels = new Channel[descriptors.Count];
        for (var c = 0; c < channels.Length; c++)
        {
            channels[c] = new Channel(descriptors[c], scan.PixelsX, scan.PixelsY, data[c]);
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["source"] = "AfmEdge.Simulation.IdealScan",
            ["clean"] = options.Clean ? "true" : "false",
            ["noiseSeed"] = options.NoiseSeed.ToString(CultureInfo.InvariantCulture),
            ["startTime"] = options.StartTime.ToString("R", CultureInfo.InvariantCulture),
        };
        if (specimen is ChromosomeSpecimen chromosomes)
        {
            metadata["specimenSeed"] = chromosomes.Seed.ToString(CultureInfo.InvariantCulture);
        }

        return new Frame(new FrameId(options.AcquiredAt, options.FrameSequence), scan, channels, metadata);
    }

    /// <summary>
    /// Where probe 1 really was for every pixel of <see cref="Render"/> with the same arguments, in one direction: the
    /// mean over the pixel's dwell of the path as hysteresis, creep, drift, lag and the retrace offset moved it. The
    /// specimen sampled there is what the frame shows; the nominal grid is where the instrument meant to be.
    /// </summary>
    public static ScanPositions TipPositions(ScanSettings scan, InstrumentOptions instrument, ScanDirection direction, RenderOptions? options = null)
    {
        options = Checked(scan, instrument, options);
        instrument.ThrowIfInvalid(scan);
        var plan = new ScanPlan(scan, instrument, options);
        var trace = direction == ScanDirection.Trace;
        var width = plan.PixelsX;
        var k = plan.Subsamples;
        var subsampled = width * k;
        var u = new double[width * plan.PixelsY];
        var v = new double[u.Length];
        Parallel.For(0, plan.PixelsY, row =>
        {
            // The same timing as ScanLine: the path's step for sub-sample m, and the line's creep once per direction.
            var lineStart = plan.LineStart(row, trace);
            var vLine = plan.CreptLine(row, lineStart);
            for (var i = 0; i < width; i++)
            {
                double su = 0, sv = 0;
                for (var m = i * k; m < (i + 1) * k; m++)
                {
                    var step = trace ? m + plan.OverscanSteps : subsampled + plan.OverscanSteps - 1 - m;
                    plan.Position(m, plan.StepTime(lineStart, step), trace, vLine, out var pu, out var pv, out _);
                    su += pu;
                    sv += pv;
                }

                u[(row * width) + i] = su / k;
                v[(row * width) + i] = sv / k;
            }
        });
        return new ScanPositions(scan, u, v);
    }

    /// <summary>Throws on a missing or invalid scan or a missing instrument; the options, or the defaults when none are given.</summary>
    private static RenderOptions Checked(ScanSettings scan, InstrumentOptions instrument, RenderOptions? options)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(instrument);
        var scanErrors = scan.Validate();
        if (scanErrors.Count > 0)
        {
            throw new ArgumentException("Invalid scan settings: " + string.Join(" ", scanErrors), nameof(scan));
        }

        return options ?? new RenderOptions();
    }

    private static void RenderClean(ISpecimen specimen, ScanSettings scan, float[][] data)
    {
        var geometry = new ScanGeometry(scan);
        var width = scan.PixelsX;
        var px = scan.PixelSizeX;
        var py = scan.PixelSizeY;
        Parallel.For(0, scan.PixelsY, j =>
        {
            var points = ArrayPool<SpecimenPoint>.Shared.Rent(width);
            try
            {
                SpecimenRows.Sample(specimen, geometry, 0.5 * px, (j + 0.5) * py, px, points.AsSpan(0, width));
                var row = j * width;
                SpecimenRows.Scatter(
                    points.AsSpan(0, width), data[0].AsSpan(row, width), data[1].AsSpan(row, width), data[2].AsSpan(row, width), data[3].AsSpan(row, width));
            }
            finally
            {
                ArrayPool<SpecimenPoint>.Shared.Return(points);
            }
        });

        for (var c = 4; c < data.Length; c++)
        {
            data[c - 4].AsSpan().CopyTo(data[c]);
        }
    }

    private static void RenderInstrument(ISpecimen specimen, ScanSettings scan, InstrumentOptions instrument, RenderOptions options, float[][] data)
    {
        var plan = new ScanPlan(scan, instrument, options);
        var grid = SampleGrid.Build(specimen, plan, instrument);
        try
        {
            var retrace = options.IncludeRetrace;
            Parallel.For(0, scan.PixelsY, j =>
            {
                ScanLine(plan, grid, instrument, j, ScanDirection.Trace, data, 0);
                if (retrace)
                {
                    ScanLine(plan, grid, instrument, j, ScanDirection.Retrace, data, 4);
                }
            });
        }
        finally
        {
            grid.Dispose();
        }
    }

    /// <summary>Scans one line in one direction and writes its four channels (pixel averages plus noise).</summary>
    private static void ScanLine(ScanPlan plan, SampleGrid grid, InstrumentOptions instrument, int row, ScanDirection direction, float[][] data, int firstChannel)
    {
        var trace = direction == ScanDirection.Trace;
        var width = plan.PixelsX;
        var k = plan.Subsamples;
        var height = data[firstChannel].AsSpan(row * width, width);
        var current = data[firstChannel + 1].AsSpan(row * width, width);
        var potential = data[firstChannel + 2].AsSpan(row * width, width);
        var adhesion = data[firstChannel + 3].AsSpan(row * width, width);
        var lineStart = plan.LineStart(row, trace);
        var vLine = plan.CreptLine(row, lineStart);
        var feedback = instrument.Feedback;
        var kp = feedback.ProportionalGain;
        var saturation = feedback.ErrorSaturation;
        var descentPerStep = feedback.IntegralGain * saturation * plan.Step;

        // Off a trailing edge the recorded height is Z, or with the error added the free tip: (1 + kp) × saturation higher.
        var freeTipDrop = (feedback.HeightIncludesError ? 1 + kp : kp) * saturation;
        var integrator = 0.0;
        var first = true;
        var steps = plan.PathSteps;
        var subsampled = width * k;
        for (var step = 0; step < steps; step++)
        {
            var m = trace ? step - plan.OverscanSteps : subsampled + plan.OverscanSteps - 1 - step;
            var t = plan.StepTime(lineStart, step);
            plan.Position(m, t, trace, vLine, out var u, out var v, out var tiltAndDrift);
            var surface = grid.Height(u, v) + tiltAndDrift;
            double z;
            if (!feedback.Enabled)
            {
                z = surface;
            }
            else if (first)
            {
                integrator = surface;
                z = surface;
                first = false;
            }
            else
            {
                var contactError = (surface - integrator) / (1 + kp);
                if (contactError >= -saturation)
                {
                    integrator = surface + ((integrator - surface) * plan.ContactDecay);

                    // In contact Z misses the surface by exactly the error the cantilever's bend shows.
                    z = feedback.HeightIncludesError ? surface : integrator + (kp * (surface - integrator) / (1 + kp));
                }
                else
                {
                    // Off a trailing edge: the tip hangs free and the piezo falls at a rate the integral gain sets. The free
                    // cantilever's error is the saturation, so Z plus the error is the free tip, above the surface.
                    integrator = Math.Max(integrator - descentPerStep, surface + ((1 + kp) * saturation));
                    z = integrator - freeTipDrop;
                }
            }

            if (m < 0 || m >= subsampled)
            {
                continue;
            }

            var pixel = m / k;
            height[pixel] += (float)z;
            adhesion[pixel] += (float)grid.Adhesion(u, v);
            current[pixel] += (float)grid.Current(u + plan.CurrentDu, v + plan.CurrentDv);
            potential[pixel] += (float)grid.Potential(u + plan.PotentialDu, v + plan.PotentialDv);
        }

        var inverse = 1.0f / k;
        var directionKey = trace ? 0L : 1L;
        Span<PinkCell> pinkCells = stackalloc PinkCell[InstrumentNoise.PinkOctaves];
        for (var c = 0; c < 4; c++)
        {
            var values = data[firstChannel + c].AsSpan(row * width, width);
            var noise = instrument.Noise.For(c);
            var seed = plan.NoiseSeeds[c];
            var rowOffset = noise.RowOffset * Hashing.Gaussian(Hashing.Combine(seed, directionKey, row, -1));
            pinkCells.Clear();
            for (var i = 0; i < width; i++)
            {
                var value = (values[i] * inverse) + rowOffset;
                if (noise.White > 0)
                {
                    value += noise.White * Hashing.Gaussian(Hashing.Combine(seed, directionKey, row, i));
                }

                if (noise.Pink > 0)
                {
                    var pixelTime = lineStart + (plan.PixelTime(i, trace) * plan.HalfLineTime);
                    value += noise.Pink * InstrumentNoise.Pink(plan.PinkSeeds[c], pixelTime * plan.PinkBaseFrequency, pinkCells);
                }

                values[i] = (float)value;
            }
        }

        AddScar(plan, instrument.Scars, height, row, directionKey);
    }

    private static void AddScar(ScanPlan plan, ScarOptions scars, Span<float> height, int row, long directionKey)
    {
        if (!InstrumentNoise.TryScar(plan.ScarSeed, scars, directionKey, row, out var scar))
        {
            return;
        }

        var start = (int)(scar.Start * height.Length);
        var length = Math.Max(1, (int)(scar.Length * height.Length));
        var end = Math.Min(height.Length, start + length);
        for (var i = start; i < end; i++)
        {
            height[i] += (float)scar.Amplitude;
        }
    }

    /// <summary>Timing and positions of one frame's scan path; everything per sample is arithmetic on these.</summary>
    private sealed class ScanPlan
    {
        private readonly double _sizeX;
        private readonly double _sizeY;
        private readonly double _hysteresis;
        private readonly double _retraceOffset;
        private readonly double _lagShift;
        private readonly double _creep;
        private readonly double _creepTime;
        private readonly double _driftU;
        private readonly double _driftV;
        private readonly double _driftZ;
        private readonly double _slopeX;
        private readonly double _slopeY;

        public ScanPlan(ScanSettings scan, InstrumentOptions instrument, RenderOptions options)
        {
            var geometry = new ScanGeometry(scan);
            Geometry = geometry;
            PixelsX = scan.PixelsX;
            PixelsY = scan.PixelsY;
            Subsamples = instrument.FastAxisSubsamples;
            _sizeX = scan.SizeX;
            _sizeY = scan.SizeY;
            PixelY = scan.PixelSizeY;
            SubsampleX = scan.PixelSizeX / Subsamples;
            OverscanSteps = (int)Math.Ceiling(scan.Overscan * PixelsX * Subsamples);
            PathSteps = (PixelsX * Subsamples) + (2 * OverscanSteps);
            LineTime = 1.0 / scan.LineRateHz;
            HalfLineTime = 0.5 * LineTime;
            Step = HalfLineTime / PathSteps;
            StartTime = options.StartTime;
            FrameTime = PixelsY * LineTime;
            var feedback = instrument.Feedback;
            ContactDecay = Math.Exp(-feedback.IntegralGain * Step / (1 + feedback.ProportionalGain));
            _hysteresis = instrument.Piezo.Hysteresis * scan.SizeX;
            _retraceOffset = instrument.TraceRetrace.RetraceOffset;
            _lagShift = instrument.TraceRetrace.Lag * SubsampleX / Step;
            _creep = instrument.Piezo.Creep * scan.SizeY;
            _creepTime = instrument.Piezo.CreepTime;
            (_driftU, _driftV) = geometry.VectorToScan(instrument.Drift.VelocityX, instrument.Drift.VelocityY);
            _driftZ = instrument.Drift.VelocityZ;
            _slopeX = instrument.Tilt.SlopeX;
            _slopeY = instrument.Tilt.SlopeY;
            CurrentDu = instrument.ProbeOffsets.Current.Dx;
            CurrentDv = instrument.ProbeOffsets.Current.Dy;
            PotentialDu = instrument.ProbeOffsets.Potential.Dx;
            PotentialDv = instrument.ProbeOffsets.Potential.Dy;
            NoiseSeeds = new ulong[4];
            PinkSeeds = new ulong[4];
            for (var c = 0; c < 4; c++)
            {
                NoiseSeeds[c] = Hashing.Stream(options.NoiseSeed, 1000 + (ulong)c);
                PinkSeeds[c] = Hashing.Stream(options.NoiseSeed, 2000 + (ulong)(c * 16));
            }

            ScarSeed = Hashing.Stream(options.NoiseSeed, 3000);
            PinkBaseFrequency = scan.LineRateHz / 16.0;

            // Range of specimen positions any probe visits, in scan coordinates.
            var reachU = Math.Max(0.5 * _hysteresis, 0) + Math.Abs(_retraceOffset) + Math.Abs(_lagShift);
            var (duStart, dvStart) = (_driftU * StartTime, _driftV * StartTime);
            var (duEnd, dvEnd) = (_driftU * (StartTime + FrameTime), _driftV * (StartTime + FrameTime));
            UMin = (-OverscanSteps * SubsampleX) - reachU - Math.Max(duStart, duEnd) + Math.Min(0, Math.Min(CurrentDu, PotentialDu));
            UMax = ((PixelsX * Subsamples) + OverscanSteps) * SubsampleX + reachU - Math.Min(duStart, duEnd) + Math.Max(0, Math.Max(CurrentDu, PotentialDu));
            VMin = (0.5 * PixelY) - Math.Max(dvStart, dvEnd) + Math.Min(0, Math.Min(CurrentDv, PotentialDv));
            VMax = scan.SizeY - (0.5 * PixelY) + _creep - Math.Min(dvStart, dvEnd) + Math.Max(0, Math.Max(CurrentDv, PotentialDv));
        }

        public ScanGeometry Geometry { get; }
        public int PixelsX { get; }
        public int PixelsY { get; }
        public int Subsamples { get; }
        public double PixelY { get; }
        public double SubsampleX { get; }
        public int OverscanSteps { get; }
        public int PathSteps { get; }
        public double LineTime { get; }
        public double HalfLineTime { get; }

        /// <summary>Time per sub-sample along the path, seconds.</summary>
        public double Step { get; }

        public double StartTime { get; }
        public double FrameTime { get; }
        public double ContactDecay { get; }
        public double CurrentDu { get; }
        public double CurrentDv { get; }
        public double PotentialDu { get; }
        public double PotentialDv { get; }
        public ulong[] NoiseSeeds { get; }
        public ulong[] PinkSeeds { get; }
        public ulong ScarSeed { get; }
        public double PinkBaseFrequency { get; }
        public double UMin { get; }
        public double UMax { get; }
        public double VMin { get; }
        public double VMax { get; }

        /// <summary>Fraction of the half line (0..1) at which pixel <paramref name="i"/>'s centre is passed.</summary>
        public double PixelTime(int i, bool trace)
        {
            var step = trace ? OverscanSteps + ((i + 0.5) * Subsamples) : OverscanSteps + ((PixelsX - i - 0.5) * Subsamples);
            return step / PathSteps;
        }

        /// <summary>When line <paramref name="row"/> starts in one direction: the retrace half a line after the trace.</summary>
        public double LineStart(int row, bool trace) => StartTime + (row * LineTime) + (trace ? 0 : HalfLineTime);

        /// <summary>When the path of a line started at <paramref name="lineStart"/> passes the middle of step <paramref name="step"/>.</summary>
        public double StepTime(double lineStart, int step) => lineStart + ((step + 0.5) * Step);

        /// <summary>
        /// The slow-axis position, creep included, of line <paramref name="row"/> started at <paramref name="lineStart"/>:
        /// creep changes over the frame, not within a line, so it is taken once per line and direction, half-way through.
        /// </summary>
        public double CreptLine(int row, double lineStart)
        {
            var elapsed = Math.Max((lineStart + (HalfLineTime / 2)) - StartTime, 0);
            return ((row + 0.5) * PixelY) + (_creep * PiezoModel.CreepRemaining(elapsed, _creepTime, FrameTime));
        }

        /// <summary>
        /// Where probe 1 really is on the specimen (scan coordinates) when the nominal path is at sub-sample
        /// <paramref name="m"/> of a line at <paramref name="vLine"/> at time <paramref name="t"/>, and the
        /// height added there by tilt and z drift.
        /// </summary>
        public void Position(int m, double t, bool trace, double vLine, out double u, out double v, out double zOffset)
        {
            var uNominal = (m + 0.5) * SubsampleX;
            var fraction = Math.Clamp(uNominal / _sizeX, 0, 1);

            // Hysteresis: the trace lags below, the retrace above, the commanded position mid-line.
            var hysteresis = PiezoModel.Hysteresis(fraction, _hysteresis);
            u = trace
                ? uNominal - hysteresis - _lagShift
                : uNominal + hysteresis + _retraceOffset + _lagShift;
            v = vLine;

            // The sample drifts by velocity × time, so the tip sees the point that was velocity × time behind it.
            u -= _driftU * t;
            v -= _driftV * t;
            zOffset = (_slopeX * (u - (0.5 * _sizeX))) + (_slopeY * (v - (0.5 * _sizeY))) + (_driftZ * t);
        }
    }

    /// <summary>The specimen sampled once per frame on a grid in scan coordinates, height already dilated by the tip.</summary>
    private sealed class SampleGrid : IDisposable
    {
        private readonly float[] _height;
        private readonly float[] _current;
        private readonly float[] _potential;
        private readonly float[] _adhesion;
        private readonly int _cols;
        private readonly int _rows;
        private readonly double _u0;
        private readonly double _v0;
        private readonly double _inverseDu;
        private readonly double _inverseDv;

        private SampleGrid(int cols, int rows, double u0, double v0, double du, double dv)
        {
            _cols = cols;
            _rows = rows;
            _u0 = u0;
            _v0 = v0;
            _inverseDu = 1.0 / du;
            _inverseDv = 1.0 / dv;
            var n = cols * rows;
            _height = ArrayPool<float>.Shared.Rent(n);
            _current = ArrayPool<float>.Shared.Rent(n);
            _potential = ArrayPool<float>.Shared.Rent(n);
            _adhesion = ArrayPool<float>.Shared.Rent(n);
        }

        public static SampleGrid Build(ISpecimen specimen, ScanPlan plan, InstrumentOptions instrument)
        {
            var du = plan.SubsampleX;
            var dv = plan.PixelY;

            // Margin for the tip: its footprint over a generous relief, so dilation near the edges sees the neighbours it needs.
            var margin = TipDilation.FootprintRadius(instrument.Tip, 400e-9);
            var i0 = (long)Math.Floor(((plan.UMin - margin) / du) - 0.5) - 2;
            var i1 = (long)Math.Ceiling(((plan.UMax + margin) / du) - 0.5) + 2;
            var j0 = (long)Math.Floor(((plan.VMin - margin) / dv) - 0.5) - 2;
            var j1 = (long)Math.Ceiling(((plan.VMax + margin) / dv) - 0.5) + 2;
            var cols = i1 - i0 + 1;
            var rows = j1 - j0 + 1;
            if (cols * rows > 64L * 1024 * 1024)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"The scan path spans {cols}×{rows} grid samples (over 64 M): reduce PixelsX × FastAxisSubsamples ({plan.PixelsX} × {plan.Subsamples}) or PixelsY, or the Drift, Piezo.Creep and probe offsets that widen the path."));
            }

            // Grid columns fall on sub-sample centres and rows on line centres, so an undistorted path reads grid values exactly.
            var grid = new SampleGrid((int)cols, (int)rows, (i0 + 0.5) * du, (j0 + 0.5) * dv, du, dv);
            var raw = ArrayPool<float>.Shared.Rent((int)(cols * rows));
            try
            {
                var geometry = plan.Geometry;
                Parallel.For(0, (int)rows, j =>
                {
                    var points = ArrayPool<SpecimenPoint>.Shared.Rent(grid._cols);
                    try
                    {
                        SpecimenRows.Sample(specimen, geometry, grid._u0, grid._v0 + (j * dv), du, points.AsSpan(0, grid._cols));
                        var offset = j * grid._cols;
                        SpecimenRows.Scatter(
                            points.AsSpan(0, grid._cols),
                            raw.AsSpan(offset, grid._cols),
                            grid._current.AsSpan(offset, grid._cols),
                            grid._potential.AsSpan(offset, grid._cols),
                            grid._adhesion.AsSpan(offset, grid._cols));
                    }
                    finally
                    {
                        ArrayPool<SpecimenPoint>.Shared.Return(points);
                    }
                });
                TipDilation.Apply(instrument.Tip, raw, grid._height, grid._cols, grid._rows, du, dv);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(raw);
            }

            return grid;
        }

        public double Height(double u, double v) => Bilinear(_height, u, v);

        public double Current(double u, double v) => Bilinear(_current, u, v);

        public double Potential(double u, double v) => Bilinear(_potential, u, v);

        public double Adhesion(double u, double v) => Bilinear(_adhesion, u, v);

        public void Dispose()
        {
            ArrayPool<float>.Shared.Return(_height);
            ArrayPool<float>.Shared.Return(_current);
            ArrayPool<float>.Shared.Return(_potential);
            ArrayPool<float>.Shared.Return(_adhesion);
        }

        private double Bilinear(float[] values, double u, double v) =>
            GridInterpolation.Bilinear(values, _cols, Math.Clamp((u - _u0) * _inverseDu, 0, _cols - 1.000001), Math.Clamp((v - _v0) * _inverseDv, 0, _rows - 1.000001));
    }
}
