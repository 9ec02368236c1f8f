using AfmEdge.Core;
using AfmEdge.Simulation.Rendering;

namespace AfmEdge.Processing.Tests;

/// <summary>
/// Pins the cheaper paths of "register:midpoint" to plain references: the correlation search from column products
/// (difference images stored column by column) against every pixel's products summed directly in double, the column
/// products and energies against plain column sums (all to rounding), and the step's per-channel warps (one channel per
/// core) against each channel warped on its own by the public estimate and warp (bit for bit).
/// </summary>
public sealed class MidpointRegistrationPinTests
{
    [Theory]
    [InlineData(255, 64, 0, 32, 0, 16, false)]
    [InlineData(255, 64, 16, 48, 0, 16, false)]
    [InlineData(255, 64, 208, 240, 0, 16, true)]
    [InlineData(255, 64, 224, 254, 1, 2, false)]
    [InlineData(255, 256, 96, 128, 0, 2, true)]
    [InlineData(37, 9, 0, 20, -3, 8, false)]
    [InlineData(37, 9, 5, 37, 2, 8, true)]
    [InlineData(1023, 3, 0, 1023, 0, 40, true)]
    public void Window_FromColumnProducts_EqualsScalarReference(int stride, int height, int x0, int x1, int centre, int reach, bool structured)
    {
        var (a, b) = structured ? Shifted(stride, height, shift: 2.4) : (Noise(stride * height, seed: 1), Noise(stride * height, seed: 2));
        var (columnsA, columnsB) = (Columns(a, stride, height), Columns(b, stride, height));
        var energyA = new double[stride];
        var energyB = new double[stride];
        TraceRetraceDisplacement.ColumnEnergy(columnsA, energyA, stride, height);
        TraceRetraceDisplacement.ColumnEnergy(columnsB, energyB, stride, height);
        var (firstShift, shifts) = (centre - reach, (2 * reach) + 1);
        var products = new double[shifts * stride];

        TraceRetraceDisplacement.ColumnProducts(columnsA, columnsB, products, stride, height, x0, x1, firstShift, shifts);
        var (shift, confidence) = TraceRetraceDisplacement.Window(products, energyA, energyB, stride, x0, x1, firstShift, shifts);

        var (expectedShift, expectedConfidence) = WindowReference(a, b, stride, height, x0, x1, firstShift, shifts);
        Assert.True(double.IsFinite(expectedShift), "the reference found no peak");
        Assert.Equal(expectedShift, shift, 1e-9);
        Assert.Equal(expectedConfidence, confidence, expectedConfidence * 1e-12);
    }

    [Theory]
    [InlineData(255, 64, 0, 240, -16, 33)]
    [InlineData(255, 5, 3, 250, -2, 5)]
    [InlineData(37, 9, 0, 37, -11, 23)]
    [InlineData(20, 4, 0, 20, 1, 1)]
    public void ColumnProducts_EqualPlainColumnSums(int stride, int height, int x0, int x1, int firstShift, int shifts)
    {
        var a = Noise(stride * height, seed: 4);
        var b = Noise(stride * height, seed: 5);
        var products = new double[shifts * stride];
        Array.Fill(products, double.NaN);

        TraceRetraceDisplacement.ColumnProducts(Columns(a, stride, height), Columns(b, stride, height), products, stride, height, x0, x1, firstShift, shifts);

        // Each compared column's products summed down the rows, to rounding (relative to the sum of their magnitudes); the others stay as they were.
        for (var k = 0; k < shifts; k++)
        {
            var s = firstShift + k;
            for (var x = 0; x < stride; x++)
            {
                var actual = products[(k * stride) + x];
                if (x < x0 || x >= x1 || x + s < 0 || x + s >= stride)
                {
                    Assert.True(double.IsNaN(actual), $"shift {s} column {x} is not compared but was written");
                    continue;
                }

                double expected = 0, magnitude = 0;
                for (var y = 0; y < height; y++)
                {
                    var product = (double)a[(y * stride) + x] * b[(y * stride) + x + s];
                    expected += product;
                    magnitude += Math.Abs(product);
                }

                Assert.Equal(expected, actual, 1e-12 * magnitude);
            }
        }
    }

    [Theory]
    [InlineData(255, 17)]
    [InlineData(7, 5)]
    [InlineData(64, 3)]
    public void ColumnEnergy_EqualsPlainSum(int stride, int height)
    {
        var d = Noise(stride * height, seed: 3);
        var energy = new double[stride];

        TraceRetraceDisplacement.ColumnEnergy(Columns(d, stride, height), energy, stride, height);

        for (var x = 0; x < stride; x++)
        {
            double expected = 0;
            for (var y = 0; y < height; y++)
            {
                expected += (double)d[(y * stride) + x] * d[(y * stride) + x];
            }

            Assert.Equal(expected, energy[x], 1e-13 * expected);
        }
    }

    [Fact]
    public void Apply_Pooled_EqualsEachChannelWarpedByItsOwnEstimate()
    {
        var frame = new VirtualMicroscopeSource(new VirtualMicroscopeOptions { PaceToLineRate = false }).RenderFrame(1);
        var step = new MidpointRegistration();

        var result = step.Apply(frame, new ChannelBufferPool());

        var estimates = new Dictionary<string, FastAxisDisplacement>(StringComparer.OrdinalIgnoreCase);
        foreach (var trace in frame.Channels.Where(c => c.Direction == ScanDirection.Trace))
        {
            estimates[trace.Name] = TraceRetraceDisplacement.Estimate(trace, frame.GetChannel(trace.Name, ScanDirection.Retrace), step.Options);
        }

        var reference = estimates["Height"];
        Assert.True(reference.Accepted, reference.ToString());
        Assert.Equal(frame.Channels.Count, result.Channels.Count);
        foreach (var channel in frame.Channels)
        {
            var used = estimates[channel.Name] is { Accepted: true } own ? own : reference;
            var sign = channel.Direction == ScanDirection.Trace ? 0.5 : -0.5;
            var shift = Enumerable.Range(0, channel.Width).Select(x => sign * used.At(x)).ToArray();
            var expected = FastAxisWarp.Apply(channel, shift);
            Assert.True(expected.Data.SequenceEqual(result.GetChannel(channel.Name, channel.Direction).Data), $"channel {channel.Descriptor.Key} differs");
        }
    }

    // The search written out plainly: for every shift, every compared pixel's product and energies summed in double, row by row.
    private static (double Shift, double Confidence) WindowReference(float[] a, float[] b, int stride, int height, int x0, int x1, int firstShift, int shifts)
    {
        var correlation = new double[shifts];
        var best = -1;
        for (var k = 0; k < shifts; k++)
        {
            var s = firstShift + k;
            var lo = Math.Max(x0, -s);
            var hi = Math.Min(x1, stride - s);
            correlation[k] = double.NaN;
            if (hi - lo < 4)
            {
                continue;
            }

            double ab = 0, aa = 0, bb = 0;
            for (var y = 0; y < height; y++)
            {
                for (var x = lo; x < hi; x++)
                {
                    double va = a[(y * stride) + x], vb = b[(y * stride) + x + s];
                    ab += va * vb;
                    aa += va * va;
                    bb += vb * vb;
                }
            }

            if (aa > 0 && bb > 0)
            {
                correlation[k] = ab / Math.Sqrt(aa * bb);
                if (best < 0 || correlation[k] > correlation[best])
                {
                    best = k;
                }
            }
        }

        return TraceRetraceDisplacement.Peak(correlation, best, firstShift);
    }

    // Differences of a field of bumps along x and its copy moved right by a fraction of a pixel: a peak away from the integers.
    private static (float[] A, float[] B) Shifted(int stride, int height, double shift)
    {
        var (a, b) = (new float[stride * height], new float[stride * height]);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < stride; x++)
            {
                double Field(double u) => Math.Sin(0.31 * u) + (0.5 * Math.Sin((0.11 * u) + y)) + (0.3 * Math.Cos((0.57 * u) - (0.2 * y)));
                a[(y * stride) + x] = (float)(Field(x + 1) - Field(x));
                b[(y * stride) + x] = (float)(Field(x + 1 - shift) - Field(x - shift));
            }
        }

        return (a, b);
    }

    // A row-major image stored column by column in double, as the estimate keeps its difference images.
    private static double[] Columns(float[] image, int stride, int height)
    {
        var columns = new double[image.Length];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < stride; x++)
            {
                columns[(x * height) + y] = image[(y * stride) + x];
            }
        }

        return columns;
    }

    // Smoothed noise, so neighbouring shifts correlate and the peak is refined.
    private static float[] Noise(int length, int seed)
    {
        var random = new Random(seed);
        var data = new float[length];
        var value = 0f;
        for (var i = 0; i < length; i++)
        {
            value = (0.7f * value) + (float)(random.NextDouble() - 0.5);
            data[i] = value;
        }

        return data;
    }
}
