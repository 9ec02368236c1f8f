using AfmEdge.Analysis.Geometry;
using AfmEdge.Analysis.Segmentation;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// An object's chamfer distances over its box, taken straight from the instance image a row of minima at a time, equal
/// the chamfer distance of a 0/1 copy of the box (the object 1, everything else 0) to the bit.
/// </summary>
public sealed class ObjectDistancesTests
{
    [Theory]
    [InlineData(1, 60, 40)]
    [InlineData(2, 97, 70)]
    [InlineData(3, 23, 130)]
    public void ObjectDistances_RandomObjectsAndBoxes_EqualChamferOfTheBoxCopy(int seed, int width, int rows)
    {
        // Blobs of three ids overlapping each other and the image's edge.
        var random = new Random(seed);
        var instances = new int[width * rows];
        for (var blob = 0; blob < 12; blob++)
        {
            double cx = random.Next(-3, width + 3), cy = random.Next(-3, rows + 3), r = random.Next(1, 15);
            var id = 1 + random.Next(3);
            for (var y = 0; y < rows; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    if (((x - cx) * (x - cx)) + ((y - cy) * (y - cy)) < r * r * (0.8 + (0.4 * random.NextDouble())))
                    {
                        instances[(y * width) + x] = id;
                    }
                }
            }
        }

        // Every id's own box, the whole image, boxes on the image's edge, one pixel, one row, one column.
        List<(int X0, int Y0, int X1, int Y1)> boxes = [(0, 0, width - 1, rows - 1), (0, 0, 0, 0), (width - 1, rows - 1, width - 1, rows - 1),
            (0, rows / 2, width - 1, rows / 2), (width / 3, 0, width / 3, rows - 1), (width - 9, 0, width - 1, 9)];
        for (var k = 0; k < 20; k++)
        {
            int x0 = random.Next(width), y0 = random.Next(rows);
            boxes.Add((x0, y0, random.Next(x0, width), random.Next(y0, rows)));
        }

        var checkedObject = false;
        foreach (var box in boxes)
        {
            for (var id = 1; id <= 3; id++)
            {
                int w = box.X1 - box.X0 + 1, h = box.Y1 - box.Y0 + 1;
                var local = new int[w * h];
                for (var y = 0; y < h; y++)
                {
                    for (var x = 0; x < w; x++)
                    {
                        local[(y * w) + x] = instances[((box.Y0 + y) * width) + box.X0 + x] == id ? 1 : 0;
                    }
                }

                var expected = new float[w * h];
                HeightSegmenter.ChamferDistance(local, w, h, expected);
                var actual = new float[(w * h) + 5];
                Array.Fill(actual, -1f);
                ChromosomeAxis.ObjectDistances(instances, width, box, id, actual);

                Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Take(w * h).Select(BitConverter.SingleToInt32Bits));
                Assert.All(actual.Skip(w * h), v => Assert.Equal(-1f, v));
                checkedObject |= expected.Any(v => v > 3);
            }
        }

        Assert.True(checkedObject);
    }

    [Fact]
    public void ObjectDistances_ShortTable_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ChromosomeAxis.ObjectDistances(new int[16], 4, (0, 0, 3, 3), 1, new float[15]));
}
