using System.Buffers;
using System.Globalization;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Simulation.VirtualAfm;

/// <summary>
/// A surface as a real tip feels it: the source sampled once on a square grid over a window (the scanner's
/// coordinates), its height dilated by the tip (grey-scale dilation, as IdealScan does), and read back by
/// bilinear interpolation. Every lookup is a few multiplies, allocation-free, far cheaper than sampling a
/// specimen per control point. The fields are sampled on the same grid (a field is a property of the point the
/// probe touches, so they are not dilated). Outside the window the source is read directly: a point tip there.
/// </summary>
public sealed class DilatedSurface : ISurface
{
    private const long MaxGridPoints = 16L * 1024 * 1024;

    private readonly ISurface _source;
    private readonly float[] _height;
    private readonly float[] _current;
    private readonly float[] _potential;
    private readonly float[] _adhesion;
    private readonly int _cols;
    private readonly int _rows;
    private readonly double _x0;
    private readonly double _y0;
    private readonly double _xLast;
    private readonly double _yLast;
    private readonly double _inverseSpacing;

    /// <summary>Samples <paramref name="source"/> over [xMin, xMax] × [yMin, yMax] every <paramref name="spacing"/> metres and dilates its height by <paramref name="tip"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The window is empty, the spacing not positive, or the grid over 16 M points.</exception>
    public DilatedSurface(ISurface source, double xMin, double yMin, double xMax, double yMax, double spacing, TipOptions tip)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(tip);
        if (!(spacing > 0 && double.IsFinite(spacing)))
        {
            throw new ArgumentOutOfRangeException(nameof(spacing), spacing, "The grid spacing must be positive and finite.");
        }

        if (!(xMax > xMin && yMax > yMin && double.IsFinite(xMax - xMin) && double.IsFinite(yMax - yMin)))
        {
            throw new ArgumentOutOfRangeException(nameof(xMax), string.Create(CultureInfo.InvariantCulture, $"The window [{xMin}, {xMax}] × [{yMin}, {yMax}] m is empty."));
        }

        long cols = (long)Math.Ceiling((xMax - xMin) / spacing) + 1;
        long rows = (long)Math.Ceiling((yMax - yMin) / spacing) + 1;
        if (cols * rows > MaxGridPoints)
        {
            throw new ArgumentOutOfRangeException(nameof(spacing), spacing, string.Create(CultureInfo.InvariantCulture,
                $"A {cols} × {rows} grid exceeds {MaxGridPoints} points: widen the spacing or shrink the window."));
        }

        _source = source;
        Tip = tip;
        Spacing = spacing;
        _cols = (int)cols;
        _rows = (int)rows;
        _x0 = xMin;
        _y0 = yMin;
        _xLast = xMin + ((_cols - 1) * spacing);
        _yLast = yMin + ((_rows - 1) * spacing);
        _inverseSpacing = 1.0 / spacing;
        int n = _cols * _rows;
        _height = new float[n];
        _current = new float[n];
        _potential = new float[n];
        _adhesion = new float[n];
        var raw = ArrayPool<float>.Shared.Rent(n);
        try
        {
            Sample(raw);
            TipDilation.Apply(tip, raw, _height, _cols, _rows, spacing, spacing);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(raw);
        }
    }

    /// <summary>The tip the height is dilated by.</summary>
    public TipOptions Tip { get; }

    /// <summary>Grid spacing, metres.</summary>
    public double Spacing { get; }

    /// <summary>The surface without the tip.</summary>
    public ISurface Source => _source;

    /// <inheritdoc />
    public double HeightAt(double x, double y) => Inside(x, y) ? Bilinear(_height, x, y) : _source.HeightAt(x, y);

    /// <inheritdoc />
    public double CurrentAt(double x, double y) => Inside(x, y) ? Bilinear(_current, x, y) : _source.CurrentAt(x, y);

    /// <inheritdoc />
    public double PotentialAt(double x, double y) => Inside(x, y) ? Bilinear(_potential, x, y) : _source.PotentialAt(x, y);

    /// <inheritdoc />
    public double AdhesionAt(double x, double y) => Inside(x, y) ? Bilinear(_adhesion, x, y) : _source.AdhesionAt(x, y);

    private bool Inside(double x, double y) => x >= _x0 && x <= _xLast && y >= _y0 && y <= _yLast;

    private double Bilinear(float[] values, double x, double y) =>
        GridInterpolation.Bilinear(values, _cols, Math.Min((x - _x0) * _inverseSpacing, _cols - 1.000001), Math.Min((y - _y0) * _inverseSpacing, _rows - 1.000001));

    private void Sample(float[] raw)
    {
        if (_source is SpecimenSurface specimen)
        {
            // A specimen is stateless per row: rows are sampled in parallel on its fast path.
            Parallel.For(0, _rows, j =>
            {
                var points = ArrayPool<SpecimenPoint>.Shared.Rent(_cols);
                try
                {
                    specimen.SampleRow(_x0, _y0 + (j * Spacing), Spacing, points.AsSpan(0, _cols));
                    int row = j * _cols;
                    SpecimenRows.Scatter(
                        points.AsSpan(0, _cols), raw.AsSpan(row, _cols), _current.AsSpan(row, _cols), _potential.AsSpan(row, _cols), _adhesion.AsSpan(row, _cols));
                }
                finally
                {
                    ArrayPool<SpecimenPoint>.Shared.Return(points);
                }
            });
            return;
        }

        // Any other surface may cache between calls, so it is read on one thread.
        for (var j = 0; j < _rows; j++)
        {
            var y = _y0 + (j * Spacing);
            for (var i = 0; i < _cols; i++)
            {
                var x = _x0 + (i * Spacing);
                int k = (j * _cols) + i;
                raw[k] = (float)_source.HeightAt(x, y);
                _current[k] = (float)_source.CurrentAt(x, y);
                _potential[k] = (float)_source.PotentialAt(x, y);
                _adhesion[k] = (float)_source.AdhesionAt(x, y);
            }
        }
    }
}
