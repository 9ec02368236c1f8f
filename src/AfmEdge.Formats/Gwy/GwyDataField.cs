using AfmEdge.Core;

namespace AfmEdge.Formats.Gwy;

/// <summary>
/// A GwyDataField as Gwyddion stores it: a row-major double grid with physical size, offsets and units.
/// Units carry no prefix: Gwyddion keeps only the base unit of a unit string, so a field whose
/// si_unit_z says "nm" holds its values in metres (the Gwyddion 1 chip sample does exactly that).
/// A field read only to become Core channels keeps its samples as float32 (decoded so from the file);
/// <see cref="Data"/> widens them on first use.
/// </summary>
public sealed class GwyDataField
{
    public const string TypeName = "GwyDataField";

    private double[]? _data;
    private readonly float[]? _singles;

    public GwyDataField(
        int xres, int yres, double xreal, double yreal, double xoffset, double yoffset, PhysicalUnit xyUnit, PhysicalUnit zUnit, double[] data)
        : this(xres, yres, xreal, yreal, xoffset, yoffset, xyUnit, zUnit)
    {
        ArgumentNullException.ThrowIfNull(data);
        _data = data;
    }

    private GwyDataField(
        int xres, int yres, double xreal, double yreal, double xoffset, double yoffset, PhysicalUnit xyUnit, PhysicalUnit zUnit, float[] singles)
        : this(xres, yres, xreal, yreal, xoffset, yoffset, xyUnit, zUnit) => _singles = singles;

    private GwyDataField(int xres, int yres, double xreal, double yreal, double xoffset, double yoffset, PhysicalUnit xyUnit, PhysicalUnit zUnit)
    {
        XRes = xres;
        YRes = yres;
        XReal = xreal;
        YReal = yreal;
        XOffset = xoffset;
        YOffset = yoffset;
        XYUnit = xyUnit;
        ZUnit = zUnit;
    }

    public int XRes { get; }
    public int YRes { get; }
    public double XReal { get; }
    public double YReal { get; }
    public double XOffset { get; }
    public double YOffset { get; }
    public PhysicalUnit XYUnit { get; }
    public PhysicalUnit ZUnit { get; }

    /// <summary>The samples as doubles (for a field read as float32, widened once on first use).</summary>
    public double[] Data => _data ??= Widen(_singles!);

    private int Count => _data?.Length ?? _singles!.Length;

    public static GwyDataField FromChannel(Channel channel, double sizeX, double sizeY, double offsetX = 0, double offsetY = 0)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var data = new double[channel.Data.Length];
        var source = channel.Data;
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = source[i];
        }

        return new GwyDataField(channel.Width, channel.Height, sizeX, sizeY, offsetX, offsetY, PhysicalUnit.Metre, channel.Unit, data);
    }

    /// <summary>
    /// The samples narrowed to float32, the precision of a Core <see cref="Channel"/>. A field read as float32 hands
    /// over its own array (a Channel never writes to it), so turning it into a channel copies nothing.
    /// </summary>
    public float[] ToSingles()
    {
        if (_singles is not null)
        {
            return _singles;
        }

        var values = GC.AllocateUninitializedArray<float>(_data!.Length);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)_data[i];
        }

        return values;
    }

    private static double[] Widen(float[] singles)
    {
        var values = GC.AllocateUninitializedArray<double>(singles.Length);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = singles[i];
        }

        return values;
    }

    public GwyObject ToObject()
    {
        if (XRes < 1 || YRes < 1 || Count != (long)XRes * YRes)
        {
            throw new InvalidOperationException($"A {XRes}×{YRes} data field needs {(long)XRes * YRes} samples but has {Count}.");
        }

        var field = new GwyObject(TypeName)
            .Add("xres", XRes)
            .Add("yres", YRes)
            .Add("xreal", XReal)
            .Add("yreal", YReal);

        // Gwyddion leaves zero offsets out; keep files byte-comparable with its own.
        if (XOffset != 0)
        {
            field.Add("xoff", XOffset);
        }

        if (YOffset != 0)
        {
            field.Add("yoff", YOffset);
        }

        return field
            .Add("si_unit_xy", UnitObject(XYUnit))
            .Add("si_unit_z", UnitObject(ZUnit))
            .Add("data", Data);
    }

    public static GwyDataField FromObject(GwyObject value, string fileName, string key)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.TypeName != TypeName)
        {
            throw new AfmFormatException(fileName, key, $"is a {value.TypeName}, not a {TypeName}.");
        }

        var xres = Required<int>(value, "xres", fileName, key);
        var yres = Required<int>(value, "yres", fileName, key);
        ImportedFrames.RequirePixels(xres, fileName, key + ".xres");
        ImportedFrames.RequirePixels(yres, fileName, key + ".yres");
        var xreal = Required<double>(value, "xreal", fileName, key);
        var yreal = Required<double>(value, "yreal", fileName, key);
        ImportedFrames.RequirePositiveFinite(xreal, fileName, key + ".xreal");
        ImportedFrames.RequirePositiveFinite(yreal, fileName, key + ".yreal");
        var xoff = value.TryGet<double>("xoff", out var xo) ? xo : 0;
        var yoff = value.TryGet<double>("yoff", out var yo) ? yo : 0;
        ImportedFrames.RequireFinite(xoff, fileName, key + ".xoff");
        ImportedFrames.RequireFinite(yoff, fileName, key + ".yoff");
        // A tree parsed for frames holds the samples as float[]; any other holds them as double[].
        var doubles = value.GetOrDefault<double[]>("data");
        var singles = doubles is null ? value.GetOrDefault<float[]>("data") : null;
        var count = doubles?.Length ?? singles?.Length
            ?? throw new AfmFormatException(fileName, key + ".data", "the data field has no double array 'data'.");
        if (count != (long)xres * yres)
        {
            throw new AfmFormatException(fileName, key + ".data", $"holds {count} samples but xres × yres = {xres} × {yres} = {(long)xres * yres}.");
        }

        var xyUnit = ReadUnit(value.GetOrDefault<GwyObject>("si_unit_xy"));
        var zUnit = ReadUnit(value.GetOrDefault<GwyObject>("si_unit_z"));
        return doubles is not null
            ? new GwyDataField(xres, yres, xreal, yreal, xoff, yoff, xyUnit, zUnit, doubles)
            : new GwyDataField(xres, yres, xreal, yreal, xoff, yoff, xyUnit, zUnit, singles!);
    }

    private static T Required<T>(GwyObject value, string name, string fileName, string key)
        where T : struct =>
        value.TryGet<T>(name, out var result)
            ? result
            : throw new AfmFormatException(fileName, key + "." + name, $"the data field has no {typeof(T).Name} component '{name}'.");

    private static GwyObject UnitObject(PhysicalUnit unit)
    {
        var result = new GwyObject("GwySIUnit");
        if (unit.Symbol.Length > 0)
        {
            result.Add("unitstr", unit.Symbol);
        }

        return result;
    }

    private static PhysicalUnit ReadUnit(GwyObject? unit) =>
        unit is not null && unit.TryGet<string>("unitstr", out var text) ? Units.ParseIgnoringPrefix(text) : PhysicalUnit.Dimensionless;
}
