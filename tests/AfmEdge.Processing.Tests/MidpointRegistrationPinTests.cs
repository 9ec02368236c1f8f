using AfmEdge.Core;
using AfmEdge.Simulation.Rendering;

namespace AfmEdge.Processing.Tests;

/// <summary>
/// Pins the cheaper paths of "register:midpoint" to plain references: the correlation search from column products
/// against every pixel's products summed directly in double (to rounding), the differences, column products and
/// energies against plain steps and column sums, a warp block of two offsets against its columns warped alone, and the step's per-channel warps
/// (one channel per core) against each channel warped on its own by the public estimate and warp (all bit for bit).
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
        var pad = Math.Abs(centre) + reach;
        var (rowsA, rowsB) = (Rows(a, stride, height, pad: 0), Rows(b, stride, height, pad));
        var (energyA, energyB) = (Energy(a, stride, height), Energy(b, stride, height));
        var (firstShift, shifts) = (centre - reach, (2 * reach) + 1);
        var products = new double[shifts * stride];

        TraceRetraceDisplacement.ColumnProducts(rowsA, rowsB, products, stride, height, pad, x0, x1, firstShift, shifts);
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
        var pad = Math.Max(Math.Abs(firstShift), Math.Abs(firstShift + shifts - 1));
        var products = new double[shifts * stride];
        Array.Fill(products, double.NaN);

        TraceRetraceDisplacement.ColumnProducts(Rows(a, stride, height, pad: 0), Rows(b, stride, height, pad), products, stride, height, pad, x0, x1, firstShift, shifts);

        // Exact products added rows ascending: a vector lane and the row-by-row tail give the same bits. A column
        // compared with one past the image sums zeros; the columns outside [x0, x1) stay as they were.
        for (var k = 0; k < shifts; k++)
        {
            var s = firstShift + k;
            for (var x = 0; x < stride; x++)
            {
                var expected = x < x0 || x >= x1 ? double.NaN : 0;
                for (var y = 0; y < height && x + s >= 0 && x + s < stride && double.IsFinite(expected); y++)
                {
                    expected += (double)a[(y * stride) + x] * b[(y * stride) + x + s];
                }

                Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(products[(k * stride) + x]));
            }
        }
    }

    [Fact]
    public void ColumnProducts_ShiftBeyondThePadding_Throws()
    {
        var (a, b) = (new double[40], new double[40 + (2 * 4 * 2)]);

        Assert.Throws<ArgumentOutOfRangeException>(() => TraceRetraceDisplacement.ColumnProducts(a, b, new double[11 * 20], 20, 2, pad: 4, 0, 20, -5, 11));
    }

    [Theory]
    [InlineData(256, 17, 0)]
    [InlineData(256, 17, 16)]
    [InlineData(8, 5, 2)]
    [InlineData(65, 3, 1)]
    public void Differences_EqualPlainStepsAndColumnEnergy(int width, int height, int pad)
    {
        var image = Noise(width * height, seed: 3);
        image[5] = float.NaN;
        image[(2 * width) - 2] = float.PositiveInfinity;
        var stride = width - 1;
        var output = new double[(stride + (2 * pad)) * height];
        Array.Fill(output, double.NaN);
        var energy = new double[stride];

        TraceRetraceDisplacement.Differences(image, output, energy, width, height, pad);

        // Each step as a float, a non-finite one as zero, the pads zero; each column's squares added rows ascending.
        var steps = new float[stride * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < stride; x++)
            {
                var step = image[(y * width) + x + 1] - image[(y * width) + x];
                steps[(y * stride) + x] = float.IsFinite(step) ? step : 0;
            }
        }

        Assert.Equal(Rows(steps, stride, height, pad).Select(BitConverter.DoubleToInt64Bits), output.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(Energy(steps, stride, height).Select(BitConverter.DoubleToInt64Bits), energy.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void FastAxisWarp_BlockOfTwoOffsets_EqualsEachColumnWarpedAlone()
    {
        // A ramp of 0.06 px per column: the integer offset steps every 17 columns or so, inside vector blocks.
        const int Width = 96;
        const int Height = 3;
        var input = Noise(Width * Height, seed: 6);
        var shift = Enumerable.Range(0, Width).Select(x => (0.06 * x) - 2.3).ToArray();
        var output = new float[input.Length];
        FastAxisWarp.Apply(input, output, Width, Height, shift);

        // Each column against the whole image moved by its own shift (one offset everywhere): the same bits.
        var alone = new float[input.Length];
        for (var x = 0; x < Width; x++)
        {
            FastAxisWarp.Apply(input, alone, Width, Height, Enumerable.Repeat(shift[x], Width).ToArray());
            for (var y = 0; y < Height; y++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(alone[(y * Width) + x]), BitConverter.SingleToInt32Bits(output[(y * Width) + x]));
            }
        }
    }

    [Theory]
    [InlineData(96, 3.7, -2.2)]
    [InlineData(101, -4.4, 5.1)]
    [InlineData(64, 0.5, 0.5)]
    public void FastAxisWarp_EndsClamped_EqualPixelByPixelInFloat(int width, double left, double right)
    {
        // Shifts of several pixels at both ends: the end blocks' taps reach past the row and take its end values.
        const int Height = 4;
        var input = Noise(width * Height, seed: width);
        var shift = Enumerable.Range(0, width).Select(x => left + ((right - left) * x / (width - 1))).ToArray();
        var output = new float[input.Length];
        FastAxisWarp.Apply(input, output, width, Height, shift);

        // Keys' kernel (a = −½), weights rounded to float as the warp keeps them, taps added in order in float.
        static double Kernel(double d) => Math.Abs(d) is var a && a < 1 ? (((1.5 * a) - 2.5) * a * a) + 1
            : a < 2 ? (((((-0.5 * a) + 2.5) * a) - 4) * a) + 2 : 0;
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var source = x - shift[x];
                var i = (int)Math.Floor(source);
                var t = (float)(source - i);
                float Tap(int k) => input[(y * width) + Math.Clamp(i + k, 0, width - 1)];
                var expected = ((float)Kernel(t + 1) * Tap(-1)) + ((float)Kernel(t) * Tap(0)) + ((float)Kernel(1 - t) * Tap(1)) + ((float)Kernel(2 - t) * Tap(2));
                Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(output[(y * width) + x]));
            }
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

    // Σ_y image(x, y)² for each column, rows ascending, in double.
    private static double[] Energy(float[] image, int stride, int height)
    {
        var energy = new double[stride];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < stride; x++)
            {
                energy[x] += (double)image[(y * stride) + x] * image[(y * stride) + x];
            }
        }

        return energy;
    }

    // An image's rows in double with pad zeros either side, as the estimate keeps its difference images.
    private static double[] Rows(float[] image, int stride, int height, int pad)
    {
        var rows = new double[(stride + (2 * pad)) * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < stride; x++)
            {
                rows[(y * (stride + (2 * pad))) + pad + x] = image[(y * stride) + x];
            }
        }

        return rows;
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
