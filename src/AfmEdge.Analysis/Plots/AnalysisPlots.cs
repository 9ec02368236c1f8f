using System.Globalization;
using AfmEdge.Analysis.Geometry;
using SkiaSharp;

namespace AfmEdge.Analysis.Plots;

/// <summary>PNG figures of an analysis: the label overlay on the height, a local-correlation map, and per-region scatter plots.</summary>
public static class AnalysisPlots
{
    // p arm, centromere, q arm: colour-blind-safe (Okabe–Ito blue, vermillion, bluish green).
    private static readonly SKColor[] RegionColours =
    [
        new(150, 150, 150), new(0, 114, 178), new(213, 94, 0), new(0, 158, 115),
    ];

    private const int MaxScatterPoints = 4000;

    /// <summary>Height in grey with the regions tinted, each chromosome's axis drawn and its centromere marked.</summary>
    public static byte[] LabelOverlay(ChromosomeAnalysis analysis)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        var width = analysis.Frame.Width;
        var height = analysis.Frame.Height;
        var leveled = analysis.Segmentation.Leveled;
        var (low, high) = Range(leveled);
        var labels = analysis.Labels;
        var pixels = new SKColor[width * height];
        for (var i = 0; i < pixels.Length; i++)
        {
            var t = float.IsFinite(leveled[i]) && high > low ? Math.Clamp((leveled[i] - low) / (high - low), 0, 1) : 0;
            var grey = (byte)(40 + (200 * t));
            var l = labels[i];
            pixels[i] = l == 0 ? new SKColor(grey, grey, grey) : Blend(RegionColours[l], grey, 0.55);
        }

        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque)) { Pixels = pixels };
        using var canvas = new SKCanvas(bitmap);
        using var axisPaint = new SKPaint { Color = SKColors.White, StrokeWidth = Math.Max(1, width / 256f), IsAntialias = true, Style = SKPaintStyle.Stroke };
        using var dotPaint = new SKPaint { Color = SKColors.Yellow, IsAntialias = true };
        var sx = width / analysis.Frame.SizeX;
        var sy = height / analysis.Frame.SizeY;
        foreach (var c in analysis.Chromosomes)
        {
            using var path = new SKPath();
            path.MoveTo((float)(c.Axis[0].X * sx), (float)(c.Axis[0].Y * sy));
            foreach (var p in c.Axis.Skip(1))
            {
                path.LineTo((float)(p.X * sx), (float)(p.Y * sy));
            }

            canvas.DrawPath(path, axisPaint);
            canvas.DrawCircle((float)(c.Centromere.X * sx), (float)(c.Centromere.Y * sy), Math.Max(2, width / 128f), dotPaint);
        }

        return Png(bitmap);
    }

    /// <summary>The windowed Pearson map of height against <paramref name="channel"/>: blue −1, white 0, red +1, grey undefined.</summary>
    public static byte[] LocalCorrelation(ChromosomeAnalysis analysis, string channel)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        var map = analysis.LocalCorrelationMap(channel);
        var pixels = new SKColor[map.Length];
        for (var i = 0; i < map.Length; i++)
        {
            var r = map[i];
            if (!float.IsFinite(r))
            {
                pixels[i] = new SKColor(128, 128, 128);
                continue;
            }

            var t = Math.Clamp(Math.Abs(r), 0, 1);
            var fade = (byte)(255 * (1 - t));
            pixels[i] = r >= 0 ? new SKColor(255, fade, fade) : new SKColor(fade, fade, 255);
        }

        using var bitmap = new SKBitmap(new SKImageInfo(analysis.Frame.Width, analysis.Frame.Height, SKColorType.Rgba8888, SKAlphaType.Opaque)) { Pixels = pixels };
        return Png(bitmap);
    }

    /// <summary>Height (x) against <paramref name="channel"/> (y), one colour per region, with each region's Pearson r in the legend.</summary>
    public static byte[] Scatter(ChromosomeAnalysis analysis, string channel, int size = 480)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 120);
        var frame = analysis.Frame;
        if (!frame.TryGetChannel(channel, out var other) || channel == FrameAnalyzer.HeightChannel)
        {
            throw new ArgumentException($"'{channel}' is not a channel correlated with height.", nameof(channel));
        }

        var heightData = analysis.Segmentation.Leveled;
        var data = other.Data;
        var labels = analysis.Labels;
        var (hLow, hHigh) = Range(heightData);
        var (cLow, cHigh) = Range(data);
        using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        const float Margin = 40;
        var plot = size - (2 * Margin);
        using var frameLine = new SKPaint { Color = SKColors.Black, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        canvas.DrawRect(Margin, Margin, plot, plot, frameLine);
        for (var region = 0; region < 4; region++)
        {
            var count = 0;
            for (var i = 0; i < labels.Length; i++)
            {
                count += labels[i] == region ? 1 : 0;
            }

            var stride = Math.Max(1, count / MaxScatterPoints);
            using var paint = new SKPaint { Color = RegionColours[region].WithAlpha(110), IsAntialias = true };
            var k = 0;
            for (var i = 0; i < labels.Length; i++)
            {
                if (labels[i] != region || k++ % stride != 0 || !float.IsFinite(heightData[i]) || !float.IsFinite(data[i]))
                {
                    continue;
                }

                var x = Margin + (plot * (heightData[i] - hLow) / Math.Max(hHigh - hLow, float.Epsilon));
                var y = Margin + plot - (plot * (data[i] - cLow) / Math.Max(cHigh - cLow, float.Epsilon));
                canvas.DrawCircle(x, y, 1.5f, paint);
            }
        }

        using var font = new SKFont { Size = 13 };
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        canvas.DrawText($"Height (m) → vs {channel} ({other.Unit.Symbol}) ↑", Margin, Margin - 12, SKTextAlign.Left, font, text);
        var line = 0;
        foreach (var c in analysis.Correlations.Where(c => c.Channel == channel))
        {
            using var legend = new SKPaint { Color = RegionColours[Array.IndexOf([.. Regions.ByLabel], c.Region)], IsAntialias = true };
            var r = c.Pearson is { } v ? v.ToString("+0.00;-0.00", CultureInfo.InvariantCulture) : "n/a";
            canvas.DrawText($"{c.Region}: r = {r}", Margin + 6, Margin + 16 + (16 * line++), SKTextAlign.Left, font, legend);
        }

        return Png(bitmap);
    }

    private static SKColor Blend(SKColor colour, byte grey, double weight) => new(
        (byte)((colour.Red * weight) + (grey * (1 - weight))),
        (byte)((colour.Green * weight) + (grey * (1 - weight))),
        (byte)((colour.Blue * weight) + (grey * (1 - weight))));

    private static (float Low, float High) Range(ReadOnlySpan<float> data)
    {
        float low = float.PositiveInfinity, high = float.NegativeInfinity;
        foreach (var v in data)
        {
            if (float.IsFinite(v))
            {
                low = Math.Min(low, v);
                high = Math.Max(high, v);
            }
        }

        return float.IsFinite(low) ? (low, high) : (0, 1);
    }

    private static byte[] Png(SKBitmap bitmap)
    {
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
