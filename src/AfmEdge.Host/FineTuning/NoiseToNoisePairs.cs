using System.Globalization;
using AfmEdge.Core;
using AfmEdge.Inference.Evaluation;
using AfmEdge.Inference.Training;
using AfmEdge.Processing;

namespace AfmEdge.Host.FineTuning;

/// <summary>Why a frame gave no Noise2Noise pair.</summary>
public enum PairProblem
{
    None,

    /// <summary>The frame has no trace channel of the reference quantity.</summary>
    NoTrace,

    /// <summary>The frame has no retrace of the reference quantity: there is no second measurement.</summary>
    NoRetrace,

    /// <summary>A channel holds NaN or infinite samples (the training would diverge on them).</summary>
    NonFinite,

    /// <summary>The frame (or the area trace and retrace share after registration) is smaller than a training patch.</summary>
    TooSmall,

    /// <summary>Trace and retrace could not be matched with confidence.</summary>
    RegistrationRefused,

    /// <summary>The frame could not be made into a pair for another reason (the message says which).</summary>
    Unusable,
}

/// <summary>A pair made from a frame, or why none could be; <see cref="Shift"/> is the retrace's measured displacement.</summary>
public sealed record PairOutcome(TrainingExample? Pair, PairProblem Problem, string Reason, RegistrationShift? Shift)
{
    public bool Succeeded => Pair is not null;
}

/// <summary>
/// Builds Noise2Noise pairs for a ×2 enhancer from one frame's trace and retrace images. The retrace of the reference
/// quantity (Height) is registered onto its trace by intensity phase correlation, and every retrace channel is moved by
/// that shift (they share the scan path, as in <see cref="FrameRegistration"/>); both are cut to the area the shifted
/// retrace covers with real data, to even sides. The pair's input is that area's trace channels scanned down ×2 as a
/// half-resolution scan would record them (<see cref="HalfResolutionScan"/>); its targets are the registered retrace
/// channels at full resolution, each offset to the trace's mean (the two scan directions' feedback errors differ by a
/// constant on a level frame; Noise2Noise needs the target's noise to have zero mean). The trace and retrace noises are
/// independent, which is what Noise2Noise needs.
/// </summary>
public static class NoiseToNoisePairs
{
    /// <param name="frame">A frame with trace and retrace channels.</param>
    /// <param name="index">Identifies the pair in messages (the frame's sequence number).</param>
    /// <param name="minLowResSide">The smallest low-resolution side that can be used (a training patch's side).</param>
    /// <param name="reference">The quantity registered (its trace and retrace must exist).</param>
    /// <param name="minConfidence">Registration confidence below which the frame is refused.</param>
    /// <param name="shift">
    /// The retrace's displacement when already known (e.g. measured on a noisy twin of the same scan, to build its
    /// noise-free targets the same way); null to measure it here.
    /// </param>
    public static PairOutcome Create(Frame frame, long index, int minLowResSide, string reference = "Height", double minConfidence = 0.3, RegistrationShift? shift = null)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        ArgumentOutOfRangeException.ThrowIfLessThan(minLowResSide, 4);
        if (!(minConfidence >= 0 && minConfidence <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(minConfidence), minConfidence, "Minimum confidence must be in [0, 1].");
        }

        var channels = string.Join(", ", frame.Channels.Select(c => c.Descriptor.Key));
        if (!frame.TryGetChannel(reference, ScanDirection.Trace, out var trace))
        {
            return Fail(PairProblem.NoTrace, $"frame {frame.Id} has no trace '{reference}' channel (it has {channels})");
        }

        if (!frame.TryGetChannel(reference, ScanDirection.Retrace, out var retrace))
        {
            return Fail(PairProblem.NoRetrace, $"frame {frame.Id} has no retrace '{reference}' channel (it has {channels}): Noise2Noise needs the second measurement");
        }

        if (frame.Channels.FirstOrDefault(c => !AllFinite(c.Data)) is { } bad)
        {
            return Fail(PairProblem.NonFinite, $"frame {frame.Id}: channel '{bad.Descriptor.Key}' has non-finite samples");
        }

        if (frame.Width < 2 * minLowResSide || frame.Height < 2 * minLowResSide)
        {
            return Fail(PairProblem.TooSmall, string.Create(CultureInfo.InvariantCulture,
                $"frame {frame.Id} is {frame.Width}×{frame.Height} px; a pair needs at least {2 * minLowResSide}×{2 * minLowResSide}"));
        }

        var measured = shift ?? ChannelRegistration.Estimate(trace, retrace, new RegistrationOptions { Feature = RegistrationFeature.Intensity, MinConfidence = minConfidence });
        if (!measured.Accepted)
        {
            return new PairOutcome(null, PairProblem.RegistrationRefused, $"frame {frame.Id}: retrace '{reference}' not registered to its trace ({measured})", measured);
        }

        return Cut(frame, index, minLowResSide, measured);

        PairOutcome Fail(PairProblem problem, string reason) => new(null, problem, reason, null);
    }

    /// <summary>The pair of a frame whose retrace is displaced by <paramref name="shift"/>.</summary>
    private static PairOutcome Cut(Frame frame, long index, int minLowResSide, RegistrationShift shift)
    {
        var (x0, y0, validWidth, validHeight) = ImageShift.ValidArea(frame.Width, frame.Height, -shift.Dx, -shift.Dy);
        var width = validWidth & ~1;
        var height = validHeight & ~1;
        if (width < 2 * minLowResSide || height < 2 * minLowResSide)
        {
            return new PairOutcome(null, PairProblem.TooSmall, string.Create(CultureInfo.InvariantCulture,
                $"frame {frame.Id}: trace and retrace share {width}×{height} px after registration ({shift}); a pair needs at least {2 * minLowResSide}×{2 * minLowResSide}"), shift);
        }

        var lowRes = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var highRes = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var channel in frame.Channels.Where(c => c.Direction == ScanDirection.Trace))
        {
            var area = Crop(channel.Data, frame.Width, x0, y0, width, height);
            var half = new float[width * height / 4];
            HalfResolutionScan.Apply(area, width, height, half);
            lowRes[channel.Name] = half;
            if (frame.TryGetChannel(channel.Name, ScanDirection.Retrace, out var back))
            {
                var registered = Crop(ImageShift.Apply(back, -shift.Dx, -shift.Dy).Data, frame.Width, x0, y0, width, height);
                var offset = (float)(Mean(area) - Mean(registered));
                for (var i = 0; i < registered.Length; i++)
                {
                    registered[i] += offset;
                }

                highRes[channel.Name] = registered;
            }
        }

        return new PairOutcome(new TrainingExample(index, width / 2, height / 2, lowRes, highRes), PairProblem.None, string.Empty, shift);
    }

    private static float[] Crop(ReadOnlySpan<float> data, int stride, int x0, int y0, int width, int height)
    {
        var area = new float[width * height];
        for (var y = 0; y < height; y++)
        {
            data.Slice(((y0 + y) * stride) + x0, width).CopyTo(area.AsSpan(y * width, width));
        }

        return area;
    }

    private static bool AllFinite(ReadOnlySpan<float> data)
    {
        foreach (var v in data)
        {
            if (!float.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }

    private static double Mean(ReadOnlySpan<float> data)
    {
        var sum = 0.0;
        foreach (var v in data)
        {
            sum += v;
        }

        return sum / data.Length;
    }
}
