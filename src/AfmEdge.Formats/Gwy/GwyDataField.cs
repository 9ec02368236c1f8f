using AfmEdge.Core;

namespace AfmEdge.Formats.Gwy;

/// <summary>
/// A GwyDataField as Gwyddion stores it: a row-major double grid with physical size, offsets and units.
/// Units carry no prefix: Gwyddion keeps only the base unit of a unit string, so a field whose
/// si_unit_z says "nm" holds its values in metres (the Gwyddion 1 chip sample does exactly that).
/// </summary>
public sealed record GwyDataField(
    int XRes, int YRes, double XReal, double YReal, double XOffset, double YOffset, PhysicalUnit XYUnit, PhysicalUnit ZUnit, double[] Data)
{
    public const string TypeName = "GwyDataField";

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

    /// <summary>The samples narrowed to float32, the precision of a Core <see cref="Channel"/>.</summary>
    public float[] ToSingles()
    {
        var values = new float[Data.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)Data[i];
        }

        return values;
    }

    public GwyObject ToObject()
    {
        if (XRes < 1 || YRes < 1 || Data.Length != (long)XRes * YRes)
        {
            throw new InvalidOperationException($"A {XRes}×{YRes} data field needs {(long)XRes * YRes} samples but has {Data.Length}.");
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
        var data = value.GetOrDefault<double[]>("data")
            ?? throw new AfmFormatException(fileName, key + ".data", "the data field has no double array 'data'.");
        if (data.Length != (long)xres * yres)
        {
            throw new AfmFormatException(fileName, key + ".data", $"holds {data.Length} samples but xres × yres = {xres} × {yres} = {(long)xres * yres}.");
        }

        return new GwyDataField(xres, yres, xreal, yreal, xoff, yoff,
            ReadUnit(value.GetOrDefault<GwyObject>("si_unit_xy")), ReadUnit(value.GetOrDefault<GwyObject>("si_unit_z")), data);
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
