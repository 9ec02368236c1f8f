using System.Globalization;

namespace AfmEdge.Processing;

/// <summary>The analytic tip shapes <see cref="TipModel"/> knows.</summary>
public enum TipGeometry
{
    /// <summary>z = r² / (2R): a worn or rounded tip.</summary>
    Paraboloid,

    /// <summary>A cone of the given half-angle ending in a spherical apex of radius R, tangent where they meet.</summary>
    Cone,
}

/// <summary>
/// A tip as a height grid on the image's pixel spacing: <see cref="Heights"/> holds, for each lateral offset from the apex
/// (column − <see cref="CentreX"/>, row − <see cref="CentreY"/>), the tip surface's height relative to the apex, 0 at
/// the apex and negative elsewhere, the way Gwyddion's tip fields are (apex at the maximum, in the middle). Odd sizes.
/// </summary>
public sealed class TipGrid
{
    public TipGrid(int width, int height, float[] heights)
    {
        ArgumentNullException.ThrowIfNull(heights);
        if (width < 1 || width % 2 == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(width), width, "Tip grid width must be odd and positive (apex in the middle).");
        }

        if (height < 1 || height % 2 == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(height), height, "Tip grid height must be odd and positive (apex in the middle).");
        }

        if (heights.Length != width * height)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Tip grid is {width}×{height} but {heights.Length} heights were given."), nameof(heights));
        }

        Width = width;
        Height = height;
        Heights = heights;
    }

    public int Width { get; }

    public int Height { get; }

    public int CentreX => Width / 2;

    public int CentreY => Height / 2;

    /// <summary>Row-major heights relative to the apex (≤ 0 for a physical tip).</summary>
    public float[] Heights { get; }

    public float this[int x, int y] => Heights[(y * Width) + x];
}

/// <summary>An analytic tip in physical units (metres), rendered onto an image's pixel grid.</summary>
public sealed record TipModel
{
    public TipModel(TipGeometry geometry, double apexRadius, double halfAngleDegrees = 20)
    {
        if (!Enum.IsDefined(geometry))
        {
            throw new ArgumentOutOfRangeException(nameof(geometry), geometry, "Tip geometry must be Paraboloid or Cone.");
        }

        if (!(apexRadius > 0 && apexRadius < 1e-5))
        {
            throw new ArgumentOutOfRangeException(nameof(apexRadius), apexRadius, "Tip apex radius must be above 0 and below 10 µm (metres).");
        }

        if (geometry == TipGeometry.Cone && !(halfAngleDegrees > 0 && halfAngleDegrees < 80))
        {
            throw new ArgumentOutOfRangeException(nameof(halfAngleDegrees), halfAngleDegrees, "Cone half-angle must be between 0 and 80 degrees.");
        }

        Geometry = geometry;
        ApexRadius = apexRadius;
        HalfAngleDegrees = halfAngleDegrees;
    }

    public TipGeometry Geometry { get; }

    /// <summary>Apex radius of curvature, metres.</summary>
    public double ApexRadius { get; }

    /// <summary>Cone half-angle, degrees (cone only).</summary>
    public double HalfAngleDegrees { get; }

    /// <summary>The tip surface's rise above its apex at lateral distance <paramref name="r"/> (metres).</summary>
    public double Lift(double r)
    {
        if (Geometry == TipGeometry.Paraboloid)
        {
            return r * r / (2 * ApexRadius);
        }

        var alpha = HalfAngleDegrees * Math.PI / 180.0;
        var tangent = ApexRadius * Math.Cos(alpha);
        return r <= tangent
            ? ApexRadius - Math.Sqrt((ApexRadius * ApexRadius) - (r * r))
            : (ApexRadius * (1 - Math.Sin(alpha))) + ((r - tangent) / Math.Tan(alpha));
    }

    /// <summary>
    /// The tip on a grid of <paramref name="pixelSizeX"/> × <paramref name="pixelSizeY"/> metres, wide enough that it
    /// has risen <paramref name="relief"/> (the image's height range, metres) at its border (parts higher than that can
    /// never touch), capped at <paramref name="maxHalfSize"/> pixels each side.
    /// </summary>
    public TipGrid Render(double pixelSizeX, double pixelSizeY, double relief, int maxHalfSize = 32)
    {
        if (!(pixelSizeX > 0 && double.IsFinite(pixelSizeX)))
        {
            throw new ArgumentOutOfRangeException(nameof(pixelSizeX), pixelSizeX, "Pixel size must be positive (metres).");
        }

        if (!(pixelSizeY > 0 && double.IsFinite(pixelSizeY)))
        {
            throw new ArgumentOutOfRangeException(nameof(pixelSizeY), pixelSizeY, "Pixel size must be positive (metres).");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(relief);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxHalfSize, 0);
        var reach = Reach(relief);
        var hx = (int)Math.Min(maxHalfSize, Math.Ceiling(reach / pixelSizeX));
        var hy = (int)Math.Min(maxHalfSize, Math.Ceiling(reach / pixelSizeY));
        return Render(pixelSizeX, pixelSizeY, hx, hy);
    }

    /// <summary>The tip on a (2·halfX + 1) × (2·halfY + 1) grid of the given spacing.</summary>
    public TipGrid Render(double pixelSizeX, double pixelSizeY, int halfX, int halfY)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(halfX);
        ArgumentOutOfRangeException.ThrowIfNegative(halfY);
        var width = (2 * halfX) + 1;
        var height = (2 * halfY) + 1;
        var heights = new float[width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var dx = (x - halfX) * pixelSizeX;
                var dy = (y - halfY) * pixelSizeY;
                heights[(y * width) + x] = (float)-Lift(Math.Sqrt((dx * dx) + (dy * dy)));
            }
        }

        return new TipGrid(width, height, heights);
    }

    /// <summary>The lateral distance at which the tip has risen <paramref name="relief"/> above its apex.</summary>
    public double Reach(double relief)
    {
        if (Geometry == TipGeometry.Paraboloid)
        {
            return Math.Sqrt(2 * ApexRadius * relief);
        }

        double lo = 0, hi = ApexRadius + (relief * Math.Tan(HalfAngleDegrees * Math.PI / 180.0)) + 1e-12;
        for (var i = 0; i < 100; i++)
        {
            var mid = 0.5 * (lo + hi);
            if (Lift(mid) < relief)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return hi;
    }
}
