using AfmEdge.Inference.Training;

namespace AfmEdge.Inference.Tests.Training;

/// <summary>
/// Seeded toy pairs: a high-resolution field of Gaussian bumps and, as the scan, its 2×2 block mean plus
/// noise; "Current" is the same bumps' x slope, so a second channel carries edge information.
/// </summary>
internal sealed class SyntheticPairs(int lowResPixels) : ITrainingPairSource
{
    public TrainingExample Get(long seed)
    {
        var random = new Random((int)seed);
        var n = 2 * lowResPixels;
        var height = new float[n * n];
        var current = new float[n * n];
        for (var b = 0; b < 6; b++)
        {
            double cx = random.NextDouble() * n, cy = random.NextDouble() * n, s = 1.5 + (random.NextDouble() * 4), a = 0.5 + random.NextDouble();
            for (var y = 0; y < n; y++)
            {
                for (var x = 0; x < n; x++)
                {
                    var g = a * Math.Exp(-(((x - cx) * (x - cx)) + ((y - cy) * (y - cy))) / (2 * s * s));
                    height[(y * n) + x] += (float)g;
                    current[(y * n) + x] += (float)(-(x - cx) / (s * s) * g);
                }
            }
        }

        return new TrainingExample(
            seed, lowResPixels, lowResPixels,
            new Dictionary<string, float[]> { ["Height"] = Down(height, n, random), ["Current"] = Down(current, n, random) },
            new Dictionary<string, float[]> { ["Height"] = height, ["Current"] = current });
    }

    private static float[] Down(float[] high, int n, Random random)
    {
        var m = n / 2;
        var low = new float[m * m];
        for (var y = 0; y < m; y++)
        {
            for (var x = 0; x < m; x++)
            {
                var sum = high[(2 * y * n) + (2 * x)] + high[(2 * y * n) + (2 * x) + 1] + high[(((2 * y) + 1) * n) + (2 * x)] + high[(((2 * y) + 1) * n) + (2 * x) + 1];
                low[(y * m) + x] = (sum / 4) + (float)(0.01 * (random.NextDouble() - 0.5));
            }
        }

        return low;
    }
}
