using System.Globalization;
using AfmEdge.Analysis.Geometry;
using SkiaSharp;

namespace AfmEdge.Analysis.Plots;

/// <summary>
/// PNG figures of an analysis: the label overlay on the height, a local-correlation map, and per-region scatter plots.
/// <see cref="All"/> is the set the CLI writes as files and the host publishes on its plot topics, under the same names.
/// </summary>
public static class AnalysisPlots
{
    /// <summary>The name of the label overlay in <see cref="All"/>.</summary>
    public const string LabelsName = "labels";

    /// <summary>The side a plot is no longer shrunk below to fit <see cref="PlotLimits.MaxBytes"/>.</summary>
    public const int MinSide = 16;

    // p arm, centromere, q arm: colour-blind-safe (Okabe–Ito blue, vermillion, bluish green).
    private static readonly SKColor[] RegionColours =
    [
        new(150, 150, 150), new(0, 114, 178), new(213, 94, 0), new(0, 158, 115),
    ];

    private const int MaxScatterPoints = 4000;
    private const int DefaultScatterSide = 480;
    private const int MinScatterSide = 120;

    /// <summary>
    /// The label overlay, then for each channel correlated with height its local-correlation map and its scatter plot,
    /// each rendered when enumerated. Names: "labels", "local-correlation-{channel}", "scatter-{channel}" (see <see cref="PlotName"/>).
    /// </summary>
    public static IEnumerable<AnalysisPlot> All(ChromosomeAnalysis analysis, PlotLimits limits)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        var count = analysis.Chromosomes.Count;
        yield return new AnalysisPlot(LabelsName, null,
            count == 0 ? "Height in grey; no chromosome found" : $"Height in grey, {count} chromosome(s): p arm blue, centromere vermillion, q arm green; axes white, centromeres yellow",
            LabelOverlay(analysis, limits));
        foreach (var channel in analysis.CorrelatedChannels.ToArray())
        {
            yield return new AnalysisPlot(PlotName("local-correlation-", channel), channel,
                $"Local Pearson r of height and {channel} (window half-side {analysis.Options.LocalWindowRadius * 1e6:G3} µm): blue −1, white 0, red +1, grey undefined",
                LocalCorrelation(analysis, channel, limits));
            yield return new AnalysisPlot(PlotName("scatter-", channel), channel,
                $"Height (x) against {channel} (y), one colour per region, each region's Pearson r in the legend",
                Scatter(analysis, channel, Math.Clamp(limits.MaxSide, MinScatterSide, DefaultScatterSide), limits));
        }
    }

    /// <summary>
    /// <paramref name="prefix"/> and the channel's name with anything but letters, digits, '-', '_' and '.' as '_': a file
    /// name's stem and one MQTT topic level alike.
    /// </summary>
    public static string PlotName(string prefix, string channel)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(channel);
        return string.Create(prefix.Length + channel.Length, (prefix, channel), static (span, parts) =>
        {
            parts.prefix.CopyTo(span);
            var rest = span[parts.prefix.Length..];
            for (var i = 0; i < parts.channel.Length; i++)
            {
                var c = parts.channel[i];
                rest[i] = char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_';
            }
        });
    }

    /// <summary>Height in grey with the regions tinted, each chromosome's axis drawn and its centromere marked.</summary>
    public static byte[] LabelOverlay(ChromosomeAnalysis analysis) => LabelOverlay(analysis, PlotLimits.None);

    /// <inheritdoc cref="LabelOverlay(ChromosomeAnalysis)"/>
    /// <remarks>A frame without chromosomes says so in the image, so a dashboard does not show plain height as a result.</remarks>
    public static byte[] LabelOverlay(ChromosomeAnalysis analysis, PlotLimits limits)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        var width = analysis.Frame.Width;
        var height = analysis.Frame.Height;
        var leveled = analysis.Segmentation.Leveled;
        var (low, high) = Range(leveled);
        var labels = analysis.Labels;
        using var bitmap = NewBitmap(width, height);
        var pixels = PixelsOf(bitmap);
        for (var i = 0; i < pixels.Length; i++)
        {
            var t = float.IsFinite(leveled[i]) && high > low ? Math.Clamp((leveled[i] - low) / (high - low), 0, 1) : 0;
            var grey = (byte)(40 + (200 * t));
            var l = labels[i];
            pixels[i] = l == 0 ? Rgba(new SKColor(grey, grey, grey)) : Rgba(Blend(RegionColours[l], grey, 0.55));
        }

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

        if (analysis.Chromosomes.Count == 0)
        {
            using var font = new SKFont { Size = Math.Max(10, width / 16f) };
            using var text = new SKPaint { Color = SKColors.Yellow, IsAntialias = true };
            canvas.DrawText("no chromosome found", width / 2f, height / 2f, SKTextAlign.Center, font, text);
        }

        return Png(bitmap, limits);
    }

    /// <summary>The windowed Pearson map of height against <paramref name="channel"/>: blue −1, white 0, red +1, grey undefined.</summary>
    public static byte[] LocalCorrelation(ChromosomeAnalysis analysis, string channel) => LocalCorrelation(analysis, channel, PlotLimits.None);

    /// <inheritdoc cref="LocalCorrelation(ChromosomeAnalysis, string)"/>
    public static byte[] LocalCorrelation(ChromosomeAnalysis analysis, string channel, PlotLimits limits)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        var map = analysis.LocalCorrelationMap(channel);
        using var bitmap = NewBitmap(analysis.Frame.Width, analysis.Frame.Height);
        var pixels = PixelsOf(bitmap);
        for (var i = 0; i < map.Length; i++)
        {
            var r = map[i];
            if (!float.IsFinite(r))
            {
                pixels[i] = Rgba(new SKColor(128, 128, 128));
                continue;
            }

            var t = Math.Clamp(Math.Abs(r), 0, 1);
            var fade = (byte)(255 * (1 - t));
            pixels[i] = Rgba(r >= 0 ? new SKColor(255, fade, fade) : new SKColor(fade, fade, 255));
        }

        return Png(bitmap, limits);
    }

    /// <summary>Height (x) against <paramref name="channel"/> (y), one colour per region, with each region's Pearson r in the legend.</summary>
    public static byte[] Scatter(ChromosomeAnalysis analysis, string channel, int size = DefaultScatterSide) => Scatter(analysis, channel, size, PlotLimits.None);

    /// <inheritdoc cref="Scatter(ChromosomeAnalysis, string, int)"/>
    public static byte[] Scatter(ChromosomeAnalysis analysis, string channel, int size, PlotLimits limits)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, MinScatterSide);
        var frame = analysis.Frame;
        if (!frame.TryGetChannel(channel, out var other) || channel == FrameAnalyzer.HeightChannel)
        {
            throw new ArgumentException($"'{channel}' is not a channel correlated with height.", nameof(channel));
        }

        // What the statistics read: less each line's offset where the analysis aligned the lines.
        using var heightChannel = analysis.StatisticsData(FrameAnalyzer.HeightChannel);
        using var fieldChannel = analysis.StatisticsData(other.Name);
        var heightData = heightChannel.Data;
        var data = fieldChannel.Data;
        var labels = analysis.Labels;
        var (hLow, hHigh) = Range(heightData);
        var (cLow, cHigh) = Range(data);
        using var bitmap = NewBitmap(size, size);
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
            var points = new List<SKPoint>(Math.Min(count, MaxScatterPoints + 1));
            var k = 0;
            for (var i = 0; i < labels.Length; i++)
            {
                if (labels[i] != region || k++ % stride != 0 || !float.IsFinite(heightData[i]) || !float.IsFinite(data[i]))
                {
                    continue;
                }

                var x = Margin + (plot * (heightData[i] - hLow) / Math.Max(hHigh - hLow, float.Epsilon));
                var y = Margin + plot - (plot * (data[i] - cLow) / Math.Max(cHigh - cLow, float.Epsilon));
                points.Add(new SKPoint(x, y));
            }

            // 3 px squares, each blended on its own, in one call and not antialiased: thousands of antialiased circles took
            // 50 ms of a 256² plot, these about 4, and at 3 px the two look alike.
            using var paint = new SKPaint
            {
                Color = RegionColours[region].WithAlpha(110), IsAntialias = false, Style = SKPaintStyle.Stroke, StrokeWidth = 3, StrokeCap = SKStrokeCap.Square,
            };
            canvas.DrawPoints(SKPointMode.Points, [.. points], paint);
        }

        using var font = new SKFont { Size = 13 };
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        canvas.DrawText($"Height (m) → vs {channel} ({other.Unit.Symbol}) ↑", Margin, Margin - 12, SKTextAlign.Left, font, text);
        var line = 0;
        foreach (var c in analysis.Correlations.Where(c => c.Channel == channel))
        {
            using var legend = new SKPaint { Color = RegionColours[Array.IndexOf([.. Regions.ByLabel], c.Region)], IsAntialias = true };
            var r = c.Pearson is { } v ? SignedR(v) : "n/a";
            canvas.DrawText($"{c.Region}: r = {r}", Margin + 6, Margin + 16 + (16 * line++), SKTextAlign.Left, font, legend);
        }

        return Png(bitmap, limits);
    }

    /// <summary>
    /// r with its sign and two decimals; one that rounds to zero as "0.00" (with two format sections a small negative r
    /// came out as "-+0.00").
    /// </summary>
    internal static string SignedR(double r) => r.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture);

    private static SKBitmap NewBitmap(int width, int height) => new(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));

    /// <summary>The bitmap's own pixels, written in place (setting <see cref="SKBitmap.Pixels"/> converts a copy: 7 ms at 512²).</summary>
    private static Span<uint> PixelsOf(SKBitmap bitmap) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(bitmap.GetPixelSpan());

    /// <summary>An opaque colour as an Rgba8888 pixel (bytes R, G, B, A in memory).</summary>
    private static uint Rgba(SKColor colour) =>
        BitConverter.IsLittleEndian
            ? colour.Red | ((uint)colour.Green << 8) | ((uint)colour.Blue << 16) | 0xFF000000u
            : ((uint)colour.Red << 24) | ((uint)colour.Green << 16) | ((uint)colour.Blue << 8) | 0xFFu;

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

    /// <summary>The bitmap as PNG, scaled down to <see cref="PlotLimits.MaxSide"/>, then halved until it fits <see cref="PlotLimits.MaxBytes"/>.</summary>
    private static byte[] Png(SKBitmap bitmap, PlotLimits limits)
    {
        var longest = Math.Max(bitmap.Width, bitmap.Height);
        for (var side = Math.Min(longest, limits.MaxSide); ; side /= 2)
        {
            var png = side >= longest ? Encode(bitmap) : EncodeScaled(bitmap, side);
            if (png.Length <= limits.MaxBytes || side <= MinSide)
            {
                return png;
            }
        }
    }

    private static byte[] EncodeScaled(SKBitmap bitmap, int side)
    {
        var scale = side / (double)Math.Max(bitmap.Width, bitmap.Height);
        var info = new SKImageInfo(Math.Max(1, (int)Math.Round(bitmap.Width * scale)), Math.Max(1, (int)Math.Round(bitmap.Height * scale)),
            SKColorType.Rgba8888, SKAlphaType.Opaque);
        // Linear sampling from the nearest mipmap level averages the pixels a scaled pixel covers (a label map's thin axes
        // stay visible, not aliased away); blending two levels (SKMipmapMode.Linear) took 12 ms more for 512² to 256².
        using var scaled = bitmap.Resize(info, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Nearest))
            ?? throw new InvalidOperationException($"Skia could not scale a {bitmap.Width}×{bitmap.Height} plot to {info.Width}×{info.Height}.");
        return Encode(scaled);
    }

    private static byte[] Encode(SKBitmap bitmap)
    {
        // The Sub filter at zlib level 3, as the preview's: about as small as Skia's default (every filter tried per row,
        // level 6) at a fraction of the time.
        using var pixmap = bitmap.PeekPixels() ?? throw new InvalidOperationException("The plot's bitmap has no pixels to encode.");
        using var data = pixmap.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.Sub, 3))
            ?? throw new InvalidOperationException($"Skia could not encode a {bitmap.Width}×{bitmap.Height} plot as PNG.");
        return data.ToArray();
    }
}
