using System.Globalization;
using AfmEdge.Core;

namespace AfmEdge.Processing;

/// <summary>Which morphology <see cref="TipStep"/> applies.</summary>
public enum TipOperation
{
    /// <summary>The image the tip would make of the data taken as the true surface: "tip-dilate:RADIUS_NM".</summary>
    Dilate,

    /// <summary>The reconstruction: the largest surface the tip could have imaged as the data: "tip-erode:…".</summary>
    Erode,
}

/// <summary>
/// Tip morphology as a chain step on every height channel (unit metre; other channels are left as they are, a tip
/// does not convolve a current map): <see cref="TipMorphology.Dilate"/> or <see cref="TipMorphology.Erode"/> with a
/// paraboloid tip of the given apex radius ("tip-dilate:RADIUS_NM", "tip-erode:RADIUS_NM") rendered on the frame's
/// pixel spacing and as wide as the channel's relief needs (at most 2·<see cref="MaxHalfSize"/> + 1 px), or erosion
/// with the tip <see cref="BlindTipEstimation.EstimatePartial"/> estimates from that channel itself
/// ("tip-erode:blind[:SIZE[:THRESHOLD_NM]]", SIZE odd pixels, default 11; the noise threshold defaults to 0, which errs
/// towards a sharp tip and so removes too little rather than too much). It needs the scan's pixel size, so it is a
/// frame step. NaN/Inf pixels take no part (−∞ for dilation, +∞ for erosion) and stay NaN. Each channel's tip is
/// recorded in the metadata entry "tip".
/// </summary>
public sealed class TipStep : IFrameOperation
{
    /// <summary>Default blind tip size, pixels.</summary>
    public const int DefaultBlindSize = 11;

    /// <summary>A rendered paraboloid tip reaches at most this many pixels from its apex.</summary>
    public const int MaxHalfSize = 32;

    private TipStep(TipOperation operation, double radiusNm, bool blind, int blindSize, double thresholdNm)
    {
        Operation = operation;
        RadiusNm = radiusNm;
        Blind = blind;
        BlindSize = blindSize;
        ThresholdNm = thresholdNm;
    }

    public TipOperation Operation { get; }

    /// <summary>Paraboloid apex radius, nm (0 for a blind tip).</summary>
    public double RadiusNm { get; }

    /// <summary>True when the tip is blind-estimated from each channel.</summary>
    public bool Blind { get; }

    public int BlindSize { get; }

    /// <summary>Blind estimation's noise threshold, nm.</summary>
    public double ThresholdNm { get; }

    public string Name => Blind
        ? string.Create(CultureInfo.InvariantCulture, $"tip-erode:blind{(BlindSize == DefaultBlindSize && ThresholdNm == 0 ? string.Empty : $":{BlindSize}")}{(ThresholdNm == 0 ? string.Empty : $":{ThresholdNm}")}")
        : string.Create(CultureInfo.InvariantCulture, $"{(Operation == TipOperation.Dilate ? "tip-dilate" : "tip-erode")}:{RadiusNm}");

    /// <summary>Morphology with a paraboloid tip of apex radius <paramref name="radiusNm"/> nanometres.</summary>
    public static TipStep Paraboloid(TipOperation operation, double radiusNm)
    {
        if (!Enum.IsDefined(operation))
        {
            throw new ArgumentOutOfRangeException(nameof(operation), operation, "Tip operation must be Dilate or Erode.");
        }

        if (!(radiusNm > 0 && radiusNm < 10_000))
        {
            throw new ArgumentOutOfRangeException(nameof(radiusNm), radiusNm, "Tip apex radius must be above 0 and below 10 000 nm.");
        }

        return new TipStep(operation, radiusNm, blind: false, 0, 0);
    }

    /// <summary>Erosion with a <paramref name="size"/> × <paramref name="size"/> tip blind-estimated from each channel.</summary>
    public static TipStep BlindErosion(int size = DefaultBlindSize, double thresholdNm = 0)
    {
        if (size < 1 || size % 2 == 0 || size > 2 * MaxHalfSize + 1)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, string.Create(CultureInfo.InvariantCulture,
                $"Blind tip size must be odd, from 1 to {2 * MaxHalfSize + 1} pixels."));
        }

        if (!(thresholdNm >= 0 && thresholdNm <= 1e6))
        {
            throw new ArgumentOutOfRangeException(nameof(thresholdNm), thresholdNm, "Blind tip noise threshold must be from 0 to 1e6 nm.");
        }

        return new TipStep(TipOperation.Erode, 0, blind: true, size, thresholdNm);
    }

    public Frame Apply(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var channels = new List<Channel>(frame.Channels.Count);
        var notes = new List<string>();
        foreach (var channel in frame.Channels)
        {
            if (channel.Unit.Symbol != PhysicalUnit.Metre.Symbol)
            {
                channels.Add(channel);
                continue;
            }

            var (result, note) = Morph(channel, frame.PixelSizeX, frame.PixelSizeY);
            channels.Add(result);
            notes.Add($"{channel.Descriptor.Key}: {note}");
        }

        if (notes.Count == 0)
        {
            return frame;
        }

        var entry = $"{Name}: {string.Join("; ", notes)}";
        return frame.With(channels, "tip", frame.Metadata.TryGetValue("tip", out var earlier) ? $"{earlier} | {entry}" : entry);
    }

    private (Channel Channel, string Note) Morph(Channel channel, double pixelSizeX, double pixelSizeY)
    {
        var (w, h) = (channel.Width, channel.Height);
        var data = channel.Data.ToArray();
        var erode = Operation == TipOperation.Erode;
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        var nonFinite = 0;
        foreach (var v in data)
        {
            if (float.IsFinite(v))
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
            else
            {
                nonFinite++;
            }
        }

        if (nonFinite == data.Length)
        {
            return (channel, "no finite pixels, left as it was");
        }

        TipGrid tip;
        string note;
        if (Blind)
        {
            if (BlindSize > Math.Min(w, h))
            {
                throw new ArgumentOutOfRangeException(nameof(channel), string.Create(CultureInfo.InvariantCulture,
                    $"Step '{Name}': a {BlindSize}×{BlindSize} px blind tip needs an image at least that large; '{channel.Descriptor.Key}' is {w}×{h}."));
            }

            // Non-finite pixels read as the lowest finite value: a pit constrains no tip.
            var filled = nonFinite == 0 ? data : [.. data.Select(v => float.IsFinite(v) ? v : (float)min)];
            tip = BlindTipEstimation.EstimatePartial(filled, w, h, BlindSize, ThresholdNm * 1e-9);
            note = string.Create(CultureInfo.InvariantCulture, $"blind tip {tip.Width}×{tip.Height} px, depth {-tip.Heights.Min() * 1e9:G4} nm");
        }
        else
        {
            tip = new TipModel(TipGeometry.Paraboloid, RadiusNm * 1e-9).Render(pixelSizeX, pixelSizeY, max - min, MaxHalfSize);
            note = string.Create(CultureInfo.InvariantCulture, $"paraboloid R = {RadiusNm} nm on {tip.Width}×{tip.Height} px");
        }

        if (nonFinite > 0)
        {
            var fill = erode ? float.PositiveInfinity : float.NegativeInfinity;
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = float.IsFinite(data[i]) ? data[i] : fill;
            }

            note += string.Create(CultureInfo.InvariantCulture, $", {nonFinite} NaN/Inf px left out");
        }

        var output = new float[data.Length];
        if (erode)
        {
            TipMorphology.Erode(data, output, w, h, tip);
        }
        else
        {
            TipMorphology.Dilate(data, output, w, h, tip);
        }

        if (nonFinite > 0)
        {
            var original = channel.Data;
            for (var i = 0; i < output.Length; i++)
            {
                output[i] = float.IsFinite(original[i]) ? output[i] : float.NaN;
            }
        }

        return (channel.WithData(w, h, output), note);
    }
}
