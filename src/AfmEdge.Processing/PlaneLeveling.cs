using System.Numerics.Tensors;
using AfmEdge.Core;

namespace AfmEdge.Processing;

/// <summary>
/// Subtracts the least-squares plane z = a + b·x + c·y (x, y in pixels), as Gwyddion's "Plane level" does.
/// With coordinates centred on the grid the normal equations decouple, so the fit is three sums in one
/// pass: a = mean, b = Σ x'z / Σ x'², c = Σ y'z / Σ y'², where x' and y' are the centred coordinates.
/// </summary>
public sealed class PlaneLeveling : IChannelOperation
{
    public string Name => "level:plane";

    public Channel Apply(Channel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var output = new float[channel.Data.Length];
        Level(channel.Data, output, channel.Width, channel.Height);
        return channel.WithData(channel.Width, channel.Height, output);
    }

    /// <summary>Levels <paramref name="input"/> into <paramref name="output"/> (they may be the same span).</summary>
    public static (double Offset, double SlopeX, double SlopeY) Level(ReadOnlySpan<float> input, Span<float> output, int width, int height)
    {
        var plane = Fit(input, width, height);
        Subtract(input, output, width, height, plane);
        return plane;
    }

    /// <summary>The plane through the centred grid: value at the centre, slope per pixel along x and along y.</summary>
    public static (double Offset, double SlopeX, double SlopeY) Fit(ReadOnlySpan<float> data, int width, int height)
    {
        CheckGeometry(data.Length, width, height);
        var centreX = (width - 1) / 2.0;
        var centreY = (height - 1) / 2.0;
        Span<float> ramp = width <= 4096 ? stackalloc float[width] : new float[width];
        for (var x = 0; x < width; x++)
        {
            ramp[x] = (float)(x - centreX);
        }

        // Row sums in float stay exact enough (≤ 8192 terms); they are accumulated across rows in double.
        double sum = 0, sumX = 0, sumY = 0;
        for (var y = 0; y < height; y++)
        {
            var row = data.Slice(y * width, width);
            double rowSum = TensorPrimitives.Sum(row);
            sum += rowSum;
            sumX += TensorPrimitives.Dot(row, ramp);
            sumY += (y - centreY) * rowSum;
        }

        // Σ x'² over a centred ramp of n points is n(n²−1)/12; each is repeated over the other axis.
        var sumXX = height * (width * ((double)width * width - 1) / 12.0);
        var sumYY = width * (height * ((double)height * height - 1) / 12.0);
        var n = (double)width * height;
        return (sum / n, sumXX > 0 ? sumX / sumXX : 0, sumYY > 0 ? sumY / sumYY : 0);
    }

    private static void Subtract(ReadOnlySpan<float> input, Span<float> output, int width, int height, (double Offset, double SlopeX, double SlopeY) plane)
    {
        var centreX = (width - 1) / 2.0;
        var centreY = (height - 1) / 2.0;
        Span<float> rowPlane = width <= 4096 ? stackalloc float[width] : new float[width];
        for (var y = 0; y < height; y++)
        {
            var rowOffset = plane.Offset + (plane.SlopeY * (y - centreY));
            for (var x = 0; x < width; x++)
            {
                rowPlane[x] = (float)(rowOffset + (plane.SlopeX * (x - centreX)));
            }

            TensorPrimitives.Subtract(input.Slice(y * width, width), rowPlane, output.Slice(y * width, width));
        }
    }

    private static void CheckGeometry(int length, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (length != width * height)
        {
            throw new ArgumentException($"{length} samples do not fill a {width}×{height} grid.");
        }
    }
}
