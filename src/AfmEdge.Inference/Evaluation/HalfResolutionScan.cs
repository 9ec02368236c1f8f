namespace AfmEdge.Inference.Evaluation;

/// <summary>
/// A full-resolution scan scanned down ×2 the way a half-resolution scan of the same area records it: along the
/// fast axis (x) each pixel averages the signal over its dwell, which spans two full-resolution pixels; along the
/// slow axis (y) lines are discrete, so every other line is kept (lines 0, 2, 4, …). Output row 2y of a ×2
/// enhancer therefore lies on input line y, and output columns 2x, 2x + 1 split input pixel x's dwell.
/// </summary>
public static class HalfResolutionScan
{
    /// <summary>
    /// Writes the (<paramref name="width"/>/2)×(<paramref name="height"/>/2) scan of the <paramref name="width"/>×
    /// <paramref name="height"/> plane <paramref name="full"/> into <paramref name="half"/>; both sides must be even.
    /// </summary>
    public static void Apply(ReadOnlySpan<float> full, int width, int height, Span<float> half)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 2);
        if (width % 2 != 0 || height % 2 != 0)
        {
            throw new ArgumentException($"The full-resolution plane must have even sides, not {width}×{height}.", nameof(width));
        }

        if (full.Length != width * height || half.Length != width * height / 4)
        {
            throw new ArgumentException($"Expected {width}×{height} samples in and {width / 2}×{height / 2} out.", nameof(full));
        }

        var w = width / 2;
        for (var y = 0; y < height / 2; y++)
        {
            var line = full.Slice(2 * y * width, width);
            var target = half.Slice(y * w, w);
            for (var x = 0; x < w; x++)
            {
                target[x] = 0.5f * (line[2 * x] + line[(2 * x) + 1]);
            }
        }
    }
}
