using AfmEdge.Analysis.Geometry;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// Labelling four pixels of a row side by side finds, pixel for pixel, the axis sample the one-by-one search finds: bent
/// chromosomes of every size, cut by the image's edge, beside others, and a single pixel; their pixel count, volume and
/// peak are those of every pixel in raster order.
/// </summary>
public sealed class AxisLabelTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 3)]
    public void Label_FourPixelsAtOnce_EqualsOneByOne(int seed, int shape)
    {
        const int Width = 96, Rows = 80;
        var random = new Random(seed);
        var instances = new int[Width * Rows];
        var leveled = new float[Width * Rows];

        // A bent band (shape 0, 1: inside; 2: cut by the left and top edges), a neighbour of another id, or one pixel (3).
        double x0 = shape == 2 ? -6 : 10 + random.Next(10), y0 = shape == 2 ? -4 : 10 + random.Next(10);
        double length = 40 + random.Next(30), bend = 0.01 * random.Next(-3, 4), halfWidth = 3 + random.Next(5);
        for (var y = 0; y < Rows; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var along = ((x - x0) * 0.8) + ((y - y0) * 0.6);
                var across = ((x - x0) * -0.6) + ((y - y0) * 0.8) - (bend * (along - (length / 2)) * (along - (length / 2)) / 10);
                var narrow = Math.Abs(along - (0.4 * length)) < 3 ? 0.6 : 1.0;
                if (shape != 3 && along >= 0 && along <= length && Math.Abs(across) <= halfWidth * narrow)
                {
                    instances[(y * Width) + x] = 1;
                    leveled[(y * Width) + x] = (float)(1e-7 * (1 - (Math.Abs(across) / (halfWidth + 1))));
                }
                else if (shape == 1 && Math.Abs(across) <= halfWidth + 4 && along >= 0 && along <= length)
                {
                    instances[(y * Width) + x] = 2;
                }
            }
        }

        if (shape == 3)
        {
            instances[(Rows / 2 * Width) + (Width / 2)] = 1;
            leveled[(Rows / 2 * Width) + (Width / 2)] = 1e-7f;
        }

        int bx0 = Width, by0 = Rows, bx1 = -1, by1 = -1;
        for (var i = 0; i < instances.Length; i++)
        {
            if (instances[i] == 1)
            {
                (bx0, by0, bx1, by1) = (Math.Min(bx0, i % Width), Math.Min(by0, i / Width), Math.Max(bx1, i % Width), Math.Max(by1, i / Width));
            }
        }

        var axis = new ChromosomeAxis(instances, Width, Rows, 1);
        var measurement = axis.Measure(leveled, (bx0, by0, bx1, by1), 4e-8, 4e-8, new AnalysisOptions());

        // Area, volume and peak over the object's pixels in raster order (the volume's sum in that order, to the bit).
        double volume = 0, peak = 0;
        for (var i = 0; i < instances.Length; i++)
        {
            if (instances[i] == 1)
            {
                volume += leveled[i];
                peak = Math.Max(peak, leveled[i]);
            }
        }

        Assert.Equal(instances.Count(v => v == 1), measurement.PixelCount);
        Assert.Equal(BitConverter.DoubleToInt64Bits(volume * 4e-8 * 4e-8), BitConverter.DoubleToInt64Bits(measurement.Volume));
        Assert.Equal(peak, measurement.PeakHeight);
        var expected = new byte[Width * Rows];
        var actual = new byte[Width * Rows];
        Array.Fill(expected, (byte)7);
        Array.Fill(actual, (byte)7);

        axis.Label((bx0, by0, bx1, by1), expected, vectors: false);
        axis.Label((bx0, by0, bx1, by1), actual, vectors: true);

        Assert.Equal(expected, actual);
        Assert.Equal(instances.Count(v => v == 1), actual.Count(v => v is >= 1 and <= 3));
        if (shape != 3)
        {
            Assert.Contains((byte)1, actual);
            Assert.Contains((byte)3, actual);
        }
    }
}
