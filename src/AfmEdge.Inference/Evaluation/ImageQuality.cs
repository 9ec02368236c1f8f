namespace AfmEdge.Inference.Evaluation;

/// <summary>
/// Image quality against a reference, for height maps whose unit and range vary from file to file: the peak
/// signal is the reference's own peak-to-peak range (max − min), not a fixed 255 or 1.
/// </summary>
public static class ImageQuality
{
    /// <summary>PSNR in dB = 10·log10(range² / MSE), range = max(reference) − min(reference); +∞ when equal.</summary>
    public static double Psnr(ReadOnlySpan<float> reference, ReadOnlySpan<float> test)
    {
        Check(reference, test);
        var range = Range(reference);
        double sum = 0;
        for (var i = 0; i < reference.Length; i++)
        {
            var d = (double)test[i] - reference[i];
            sum += d * d;
        }

        var mse = sum / reference.Length;
        return mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(range * range / mse);
    }

    /// <summary>
    /// Mean SSIM (Wang et al. 2004): 11×11 Gaussian window (σ = 1.5) at every position where it fits inside the
    /// image, K1 = 0.01, K2 = 0.03, dynamic range L = the reference's peak-to-peak.
    /// </summary>
    public static double Ssim(ReadOnlySpan<float> reference, ReadOnlySpan<float> test, int width, int height)
    {
        Check(reference, test);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 11);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 11);
        if (reference.Length != width * height)
        {
            throw new ArgumentException($"Expected {width}×{height} samples, not {reference.Length}.", nameof(reference));
        }

        var range = Range(reference);
        var c1 = Math.Pow(0.01 * range, 2);
        var c2 = Math.Pow(0.03 * range, 2);
        var window = new double[11];
        for (var k = 0; k < 11; k++)
        {
            window[k] = Math.Exp(-((k - 5) * (k - 5)) / (2 * 1.5 * 1.5));
        }

        var norm = window.Sum();
        for (var k = 0; k < 11; k++)
        {
            window[k] /= norm;
        }

        // Separable filtering of x, y, x², y², xy: horizontal pass into columns that fit, then vertical.
        var outWidth = width - 10;
        var outHeight = height - 10;
        var horizontal = new double[5][];
        for (var m = 0; m < 5; m++)
        {
            horizontal[m] = new double[outWidth * height];
        }

        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < outWidth; x++)
            {
                double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
                for (var k = 0; k < 11; k++)
                {
                    double a = reference[(y * width) + x + k], b = test[(y * width) + x + k], w = window[k];
                    sx += w * a;
                    sy += w * b;
                    sxx += w * a * a;
                    syy += w * b * b;
                    sxy += w * a * b;
                }

                var at = (y * outWidth) + x;
                horizontal[0][at] = sx;
                horizontal[1][at] = sy;
                horizontal[2][at] = sxx;
                horizontal[3][at] = syy;
                horizontal[4][at] = sxy;
            }
        }

        double total = 0;
        for (var y = 0; y < outHeight; y++)
        {
            for (var x = 0; x < outWidth; x++)
            {
                double mx = 0, my = 0, mxx = 0, myy = 0, mxy = 0;
                for (var k = 0; k < 11; k++)
                {
                    var at = ((y + k) * outWidth) + x;
                    var w = window[k];
                    mx += w * horizontal[0][at];
                    my += w * horizontal[1][at];
                    mxx += w * horizontal[2][at];
                    myy += w * horizontal[3][at];
                    mxy += w * horizontal[4][at];
                }

                var vx = mxx - (mx * mx);
                var vy = myy - (my * my);
                var cov = mxy - (mx * my);
                total += ((2 * mx * my) + c1) * ((2 * cov) + c2) / (((mx * mx) + (my * my) + c1) * (vx + vy + c2));
            }
        }

        return total / (outWidth * outHeight);
    }

    /// <summary>Peak-to-peak range; 1 for a constant reference so the figures stay finite.</summary>
    public static double Range(ReadOnlySpan<float> reference)
    {
        if (reference.IsEmpty)
        {
            throw new ArgumentException("The reference is empty.", nameof(reference));
        }

        var range = (double)System.Numerics.Tensors.TensorPrimitives.Max(reference) - System.Numerics.Tensors.TensorPrimitives.Min(reference);
        return range > 0 ? range : 1;
    }

    private static void Check(ReadOnlySpan<float> reference, ReadOnlySpan<float> test)
    {
        if (reference.Length != test.Length || reference.IsEmpty)
        {
            throw new ArgumentException($"Reference ({reference.Length} samples) and test ({test.Length}) must be the same non-empty size.", nameof(test));
        }
    }
}
