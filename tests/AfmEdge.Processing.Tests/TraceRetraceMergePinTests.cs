namespace AfmEdge.Processing.Tests;

/// <summary>Pins the vector merge to the scalar one it replaced, bit for bit, on finite samples and with NaN/Inf among them.</summary>
public sealed class TraceRetraceMergePinTests
{
    [Theory]
    [InlineData(65536, 3.0, false)]
    [InlineData(1001, 3.0, false)]
    [InlineData(1001, 0.5, false)]
    [InlineData(1001, 3.0, true)]
    [InlineData(7, 1.0, false)]
    public void Merge_Vector_EqualsScalarMerge(int length, double threshold, bool nonFinite)
    {
        var random = new Random(length);
        var trace = new float[length];
        var retrace = new float[length];
        for (var i = 0; i < length; i++)
        {
            trace[i] = (float)(random.NextDouble() * 1e-8);

            // Mostly noise, every 17th sample off by a step: some disagreements lie near the threshold, some far beyond.
            retrace[i] = trace[i] + (float)((random.NextDouble() - 0.5) * 1e-10) + (i % 17 == 0 ? (float)(random.NextDouble() * 2e-9) : 0);
        }

        if (nonFinite)
        {
            trace[3] = float.NaN;
            retrace[10] = float.PositiveInfinity;

            // One past the vector loop too: the tail must find it as well.
            trace[length - 1] = float.NegativeInfinity;
        }

        var output = new float[length];
        var (sigma, lowerShare) = TraceRetraceMerge.Merge(trace, retrace, output, threshold);
        var expected = new float[length];
        var (expectedSigma, expectedShare) = ScalarMerge(trace, retrace, expected, threshold);

        Assert.Equal(BitConverter.DoubleToInt64Bits(expectedSigma), BitConverter.DoubleToInt64Bits(sigma));
        Assert.Equal(expectedShare, lowerShare);
        Assert.True(expectedShare > 0, "the data should make some samples keep the lower value");
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), output.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData(65536, 1)]
    [InlineData(65536, -1)]
    [InlineData(1001, 1)]
    [InlineData(1001, -1)]
    public void Merge_ZeroAtOneEndOfTheDifferences_EqualsScalarMerge(int length, int sign)
    {
        // Retrace on one side of the trace only, and equal to it now and then (+0 and −0 differences, both at the
        // range's end): the fused range must settle the zero's sign as the library's Min/Max do.
        var random = new Random(length + sign);
        var trace = new float[length];
        var retrace = new float[length];
        for (var i = 0; i < length; i++)
        {
            trace[i] = (float)(random.NextDouble() * 1e-8);
            retrace[i] = trace[i] + (sign * (float)(random.NextDouble() * 1e-10)) + (i % 13 == 0 ? sign * 2e-9f : 0);
            if (i % 29 == 0)
            {
                retrace[i] = trace[i];
            }
            else if (i % 31 == 0)
            {
                (trace[i], retrace[i]) = (-0f, 0f);
            }
        }

        var output = new float[length];
        var (sigma, lowerShare) = TraceRetraceMerge.Merge(trace, retrace, output, 3.0);
        var expected = new float[length];
        var (expectedSigma, expectedShare) = ScalarMerge(trace, retrace, expected, 3.0);

        Assert.Equal(BitConverter.DoubleToInt64Bits(expectedSigma), BitConverter.DoubleToInt64Bits(sigma));
        Assert.Equal(expectedShare, lowerShare);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), output.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData(65536, false)]
    [InlineData(1003, false)]
    [InlineData(1003, true)]
    [InlineData(5, false)]
    public void SubtractAllFinite_Range_EqualsLibraryMinMax(int length, bool zeros)
    {
        var random = new Random(length);
        var trace = new float[length];
        var retrace = new float[length];
        for (var i = 0; i < length; i++)
        {
            trace[i] = (float)random.NextDouble();
            retrace[i] = zeros ? trace[i] - (float)random.NextDouble() : (float)random.NextDouble();
        }

        if (zeros)
        {
            // The smallest difference a zero, −0 in one place and +0 in another.
            (trace[7], retrace[7]) = (-0f, 0f);
            retrace[length - 2] = trace[length - 2];
        }

        var differences = new float[length];
        Assert.True(TraceRetraceMerge.SubtractAllFinite(trace, retrace, differences, out var min, out var max));
        Assert.Equal(trace.Select((t, i) => BitConverter.SingleToInt32Bits(t - retrace[i])), differences.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(BitConverter.SingleToInt32Bits(System.Numerics.Tensors.TensorPrimitives.Min<float>(differences)), BitConverter.SingleToInt32Bits(min));
        Assert.Equal(BitConverter.SingleToInt32Bits(System.Numerics.Tensors.TensorPrimitives.Max<float>(differences)), BitConverter.SingleToInt32Bits(max));
    }

    // The merge as it was: one sample at a time.
    private static (double Sigma, double LowerShare) ScalarMerge(float[] trace, float[] retrace, float[] output, double threshold)
    {
        var differences = new List<float>();
        for (var i = 0; i < trace.Length; i++)
        {
            var d = trace[i] - retrace[i];
            if (float.IsFinite(d))
            {
                differences.Add(d);
            }
        }

        var values = differences.ToArray();
        var median = Selection.Median(values);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Math.Abs(values[i] - median);
        }

        var sigma = 1.4826 * Selection.Median(values);
        var limit = threshold * sigma;
        long lower = 0;
        for (var i = 0; i < trace.Length; i++)
        {
            float a = trace[i], b = retrace[i];
            if (!float.IsFinite(a) || !float.IsFinite(b))
            {
                output[i] = float.IsFinite(a) ? a : b;
                continue;
            }

            if (Math.Abs(a - b) > limit)
            {
                output[i] = Math.Min(a, b);
                lower++;
            }
            else
            {
                output[i] = 0.5f * (a + b);
            }
        }

        return (sigma, lower / (double)trace.Length);
    }
}
