using System.Globalization;

namespace AfmEdge.Processing;

/// <summary>
/// Blind tip estimation (Villarrubia, J. Res. NIST 102, 425 (1997), §5; Gwyddion's gwy_tip_estimate_partial): start
/// from the largest tip (0 everywhere: a flat plane at the apex) and lower each tip point to the least value every
/// image peak allows. At an image point x′ whose neighbourhood the tip's apex could have reached (the tip apex inside
/// the image: I(x′) − I(x′ + c − d) ≤ P(d)), the tip at x is bounded by max_d [I(x′ + x − d) + P(d) − I(x′)]; a point
/// is lowered when the bound is more than the noise threshold below it (to the bound + threshold). The partial method
/// refines at the image's local maxima (the sharpest constraints), repeating while more than 20 of them still change
/// the tip. Works in double on the data's units; Gwyddion quantises the data to range/10 000 first, so the two agree
/// to a few such steps, not bit for bit. Result: apex 0 in the middle, ≤ 0 elsewhere (an upper bound of the true tip).
/// </summary>
public static class BlindTipEstimation
{
    // Gwyddion stops refining once this few image maxima still change the tip in a pass.
    private const int StopCount = 20;

    public static TipGrid EstimatePartial(ReadOnlySpan<float> image, int width, int height, int tipSize, double threshold)
    {
        Grid.Check(image.Length, image.Length, width, height);
        if (tipSize < 1 || tipSize % 2 == 0 || tipSize > Math.Min(width, height))
        {
            throw new ArgumentOutOfRangeException(nameof(tipSize), tipSize, string.Create(CultureInfo.InvariantCulture,
                $"Tip size must be odd, at least 1 and at most the image's smaller side ({Math.Min(width, height)} px)."));
        }

        if (!(threshold >= 0 && double.IsFinite(threshold)))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "Noise threshold must be finite and ≥ 0 (data units).");
        }

        if (!SurfaceStatistics.AllFinite(image))
        {
            throw new ArgumentException("Blind tip estimation needs finite data; the image has NaN/Inf pixels.", nameof(image));
        }

        var data = new double[image.Length];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = image[i];
        }

        var tip = new double[tipSize * tipSize];
        var c = tipSize / 2;
        var maxima = LocalMaxima(data, width, height, tipSize, Math.Max(tipSize / 10, 1));
        int changed;
        do
        {
            changed = 0;
            foreach (var (x, y) in maxima)
            {
                if (Refine(data, width, height, tip, tipSize, c, x, y, threshold))
                {
                    changed++;
                }
            }
        }
        while (changed > StopCount);

        return new TipGrid(tipSize, tipSize, [.. tip.Select(v => (float)v)]);
    }

    /// <summary>Image points that are the highest in their (2δ+1)² neighbourhood, unless a fifth of it ties (a flat).</summary>
    private static List<(int X, int Y)> LocalMaxima(double[] data, int width, int height, int tipSize, int delta)
    {
        var c = tipSize / 2;
        var points = new List<(int, int)>();
        var limit = (2 * delta + 1) * (2 * delta + 1) / 5;

        // Only points whose whole tip footprint lies inside the image, as Gwyddion's partial estimate (no edges).
        for (var y = tipSize - 1 - c; y <= height - 1 - c; y++)
        {
            for (var x = tipSize - 1 - c; x <= width - 1 - c; x++)
            {
                var value = data[(y * width) + x];
                var ties = 0;
                var highest = true;
                for (var ny = Math.Max(y - delta, 0); ny <= Math.Min(y + delta, height - 1) && highest; ny++)
                {
                    for (var nx = Math.Max(x - delta, 0); nx <= Math.Min(x + delta, width - 1); nx++)
                    {
                        var other = data[(ny * width) + nx];
                        if (other > value)
                        {
                            highest = false;
                            break;
                        }

                        if (other == value)
                        {
                            ties++;
                        }
                    }
                }

                if (highest && ties <= limit)
                {
                    points.Add((x, y));
                }
            }
        }

        return points;
    }

    /// <summary>Lowers the tip by what image point (px, py) implies; true when any tip point changed.</summary>
    private static bool Refine(double[] data, int width, int height, double[] tip, int size, int c, int px, int py, double threshold)
    {
        // Only points far enough from every edge that no offset leaves the image (Gwyddion's interior case).
        if (py < size - 1 || py > height - size || px < size - 1 || px > width - size)
        {
            return false;
        }

        var apex = data[(py * width) + px];
        var changed = false;
        for (var ty = 0; ty < size; ty++)
        {
            for (var tx = 0; tx < size; tx++)
            {
                var bound = double.NegativeInfinity;
                for (var dy = 0; dy < size; dy++)
                {
                    for (var dx = 0; dx < size; dx++)
                    {
                        var p = tip[(dy * size) + dx];

                        // Could the apex have been at the image point x′ + c − d? Only then does d constrain the tip.
                        if (apex - data[((py + c - dy) * width) + px + c - dx] > p)
                        {
                            continue;
                        }

                        bound = Math.Max(bound, data[((py + ty - dy) * width) + px + tx - dx] + p - apex);
                    }
                }

                var index = (ty * size) + tx;
                if (bound > double.NegativeInfinity && bound < tip[index] - threshold)
                {
                    tip[index] = bound + threshold;
                    changed = true;
                }
            }
        }

        return changed;
    }
}
