using System.Globalization;
using AfmEdge.Analysis;
using AfmEdge.Simulation.Specimens;
using AfmEdge.Simulation.Truth;
using SkiaSharp;

namespace AfmEdge.Cli;

/// <summary>
/// `eval analysis --per-chromosome` and `--overlays DIR`: why a true chromosome scores below IoU 0.9. Per such chromosome: the
/// found object matching it best, the other true chromosomes that object takes in (merged), the other found objects that take a
/// share of it (cut), whether it lies across or against another true chromosome in the specimen (where heights add, the one
/// placed later owns the pixels in the truth), and whether the frame's edge cuts it. The overlays show the leveled height with the
/// found objects' outlines in colour and each true chromosome tinted in its own hue.
/// </summary>
internal static class EvalChromosomeReport
{
    /// <summary>One line per true chromosome of one frame whose IoU is below <paramref name="below"/>.</summary>
    public static void Write(long seed, string frame, ChromosomeAnalysis analysis, TruthMaps maps, SpecimenTruth truth,
        IReadOnlyList<Chromosome> placed, double below, TextWriter output)
    {
        var ids = maps.Instances.Span;
        int width = maps.Width, rows = maps.Height;
        var maxId = truth.Chromosomes.Select(c => c.Id).DefaultIfEmpty(0).Max();
        var overlap = new ObjectOverlap(ids, analysis.Segmentation.Instances, maxId, analysis.Chromosomes.Count);
        var onEdge = new bool[maxId + 1];
        for (var i = 0; i < ids.Length; i++)
        {
            int x = i % width, y = i / width;
            if (x == 0 || y == 0 || x == width - 1 || y == rows - 1)
            {
                onEdge[ids[i]] = true;
            }
        }

        foreach (var chromosome in truth.Chromosomes.Where(c => c.PixelCount > 0))
        {
            var (best, iou) = overlap.Match(chromosome.Id, chromosome.PixelCount);
            if (iou >= below)
            {
                continue;
            }

            var text = string.Create(CultureInfo.InvariantCulture,
                $"  seed {seed} {frame,-11} true {chromosome.Id} ({chromosome.PixelCount} px, {chromosome.Length * 1e6:F1}×{chromosome.Width * 1e6:F2} µm, {chromosome.Height * 1e9:F0} nm) IoU {iou:F3}");
            if (best >= 0)
            {
                var m = analysis.Chromosomes[best];
                text += string.Create(CultureInfo.InvariantCulture,
                    $"; found {best + 1} ({overlap.Size(best + 1)} px{(m.IsCluster ? ", cluster" : "")}) holds {overlap.Shared(chromosome.Id, best + 1)} px of it");
                var merged = new List<string>();
                for (var other = 0; other <= maxId; other++)
                {
                    var shared = overlap.Shared(other, best + 1);
                    if (other != chromosome.Id && shared > 0)
                    {
                        merged.Add(other == 0 ? $"substrate {shared}" : $"true {other} {shared}");
                    }
                }

                if (merged.Count > 0)
                {
                    text += " + " + string.Join(", ", merged);
                }
            }

            var row = overlap.Row(chromosome.Id);
            var cut = new List<string>();
            for (var k = 0; k < row.Length; k++)
            {
                if (k != best && row[k] > 0)
                {
                    cut.Add(string.Create(CultureInfo.InvariantCulture, $"found {k + 1} {row[k]}"));
                }
            }

            var missed = overlap.Shared(chromosome.Id, 0);
            if (cut.Count > 0)
            {
                text += "; also in " + string.Join(", ", cut);
            }

            if (missed > 0)
            {
                text += string.Create(CultureInfo.InvariantCulture, $"; {missed} px in no object");
            }

            var contacts = Contacts(placed, chromosome.Id);
            if (contacts.Length > 0)
            {
                text += "; in the specimen " + contacts;
            }

            if (onEdge[chromosome.Id])
            {
                text += "; cut by the frame's edge";
            }

            output.WriteLine(text);
        }
    }

    /// <summary>The other placed chromosomes whose outlines reach this one's: across it (axes cross) or against it, and which is on top.</summary>
    private static string Contacts(IReadOnlyList<Chromosome> placed, int id)
    {
        var self = placed.FirstOrDefault(c => c.Id == id);
        if (self is null)
        {
            return "";
        }

        var parts = new List<string>();
        foreach (var other in placed)
        {
            if (other.Id == id)
            {
                continue;
            }

            var (distance, angle) = Closest(self, other);
            if (distance < 0.5 * (self.Width + other.Width))
            {
                var kind = distance < 1e-9 ? "crosses" : "touches";
                parts.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{kind} {other.Id} ({(other.Id > id ? "under it" : "over it")}, axes {distance * 1e9:F0} nm apart at {angle:F0}°)"));
            }
        }

        return string.Join(", ", parts);
    }

    /// <summary>The least distance between two axes (sampled polylines) and the angle between their directions there, degrees.</summary>
    private static (double Distance, double Angle) Closest(Chromosome a, Chromosome b)
    {
        var best = (Distance: double.PositiveInfinity, Angle: 0.0);
        for (var i = 0; i + 1 < a.Axis.Count; i++)
        {
            for (var j = 0; j + 1 < b.Axis.Count; j++)
            {
                var d = SegmentDistance(a.Axis[i], a.Axis[i + 1], b.Axis[j], b.Axis[j + 1]);
                if (d < best.Distance)
                {
                    var ta = Math.Atan2(a.Axis[i + 1].Y - a.Axis[i].Y, a.Axis[i + 1].X - a.Axis[i].X);
                    var tb = Math.Atan2(b.Axis[j + 1].Y - b.Axis[j].Y, b.Axis[j + 1].X - b.Axis[j].X);
                    var angle = Math.Abs(Math.IEEERemainder(ta - tb, Math.PI)) * 180 / Math.PI;
                    best = (d, angle);
                }
            }
        }

        return best;
    }

    private static double SegmentDistance((double X, double Y) p0, (double X, double Y) p1, (double X, double Y) q0, (double X, double Y) q1)
    {
        if (Intersect(p0, p1, q0, q1))
        {
            return 0;
        }

        return Math.Min(Math.Min(PointSegment(p0, q0, q1), PointSegment(p1, q0, q1)), Math.Min(PointSegment(q0, p0, p1), PointSegment(q1, p0, p1)));
    }

    private static bool Intersect((double X, double Y) p0, (double X, double Y) p1, (double X, double Y) q0, (double X, double Y) q1)
    {
        static double Cross((double X, double Y) o, (double X, double Y) a, (double X, double Y) b) => ((a.X - o.X) * (b.Y - o.Y)) - ((a.Y - o.Y) * (b.X - o.X));
        var d1 = Cross(q0, q1, p0);
        var d2 = Cross(q0, q1, p1);
        var d3 = Cross(p0, p1, q0);
        var d4 = Cross(p0, p1, q1);
        return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
    }

    private static double PointSegment((double X, double Y) p, (double X, double Y) a, (double X, double Y) b)
    {
        double sx = b.X - a.X, sy = b.Y - a.Y;
        var t = Math.Clamp((((p.X - a.X) * sx) + ((p.Y - a.Y) * sy)) / Math.Max((sx * sx) + (sy * sy), 1e-30), 0, 1);
        double dx = a.X + (t * sx) - p.X, dy = a.Y + (t * sy) - p.Y;
        return Math.Sqrt((dx * dx) + (dy * dy));
    }

    /// <summary>The leveled height in grey, each found object's outline in its own colour, each true chromosome tinted in its own hue; PNG.</summary>
    public static void Overlay(ChromosomeAnalysis analysis, TruthMaps maps, string path)
    {
        int width = maps.Width, rows = maps.Height;
        var leveled = analysis.Segmentation.Leveled;
        var found = analysis.Segmentation.Instances;
        var ids = maps.Instances.Span;
        var high = 1e-12f;
        foreach (var v in leveled)
        {
            high = float.IsFinite(v) ? Math.Max(high, v) : high;
        }

        var pixels = new SKColor[width * rows];
        for (var y = 0; y < rows; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = (y * width) + x;
                var t = float.IsFinite(leveled[i]) ? Math.Clamp(leveled[i] / high, 0, 1) : 0;
                var grey = (float)(20 + (200 * Math.Sqrt(t)));
                pixels[i] = ids[i] == 0 ? new SKColor((byte)grey, (byte)grey, (byte)grey) : Tint(SKColor.FromHsv((ids[i] * 137 % 360), 60, 100), grey);
                if (Boundary(found, width, rows, x, y))
                {
                    var hue = (found[i] * 67 % 360) / 360f;
                    pixels[i] = SKColor.FromHsv(hue * 360, 90, 100);
                }
            }
        }

        using var bitmap = new SKBitmap(new SKImageInfo(width, rows, SKColorType.Rgba8888, SKAlphaType.Opaque)) { Pixels = pixels };
        using var canvas = new SKCanvas(bitmap);
        using var font = new SKFont { Size = 12 };
        using var paint = new SKPaint { Color = SKColors.Yellow, IsAntialias = true };
        var sx = width / analysis.Frame.SizeX;
        var sy = rows / analysis.Frame.SizeY;
        for (var k = 0; k < analysis.Chromosomes.Count; k++)
        {
            var c = analysis.Chromosomes[k];
            var mid = c.Axis[c.Axis.Count / 2];
            canvas.DrawText((k + 1).ToString(CultureInfo.InvariantCulture), (float)(mid.X * sx), (float)(mid.Y * sy), font, paint);
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    private static SKColor Tint(SKColor hue, float grey) =>
        new((byte)(grey * hue.Red / 255f), (byte)(grey * hue.Green / 255f), (byte)(grey * hue.Blue / 255f));

    private static bool Boundary(ReadOnlySpan<int> labels, int width, int rows, int x, int y)
    {
        var v = labels[(y * width) + x];
        if (v == 0)
        {
            return false;
        }

        return (x > 0 && labels[(y * width) + x - 1] != v) || (x + 1 < width && labels[(y * width) + x + 1] != v)
            || (y > 0 && labels[((y - 1) * width) + x] != v) || (y + 1 < rows && labels[((y + 1) * width) + x] != v);
    }
}
