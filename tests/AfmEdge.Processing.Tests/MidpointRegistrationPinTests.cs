using System.Numerics.Tensors;
using AfmEdge.Core;
using AfmEdge.Simulation.Rendering;

namespace AfmEdge.Processing.Tests;

/// <summary>
/// Pins the cheaper paths of "register:midpoint" to what they replaced: the correlation search row by row against shift
/// by shift, the vector column energies against the scalar sum, and the step's per-channel warps (one channel per core)
/// against each channel warped on its own by the public estimate and warp. All bit for bit.
/// </summary>
public sealed class MidpointRegistrationPinTests
{
    [Theory]
    [InlineData(255, 64, 0, 32, 0, 16)]
    [InlineData(255, 64, 16, 48, 0, 16)]
    [InlineData(255, 64, 208, 240, 0, 16)]
    [InlineData(255, 64, 224, 254, 1, 2)]
    [InlineData(37, 9, 0, 20, -3, 8)]
    public void Window_RowByRow_EqualsShiftByShift(int stride, int height, int x0, int x1, int centre, int reach)
    {
        var a = Noise(stride * height, seed: 1);
        var b = Noise(stride * height, seed: 2);
        var energyA = new double[stride];
        var energyB = new double[stride];
        TraceRetraceDisplacement.ColumnEnergy(a, energyA, stride, height);
        TraceRetraceDisplacement.ColumnEnergy(b, energyB, stride, height);

        var (shift, confidence) = TraceRetraceDisplacement.Window(a, b, energyA, energyB, stride, height, x0, x1, centre, reach);
        var (expectedShift, expectedConfidence) = WindowByShift(a, b, energyA, energyB, stride, height, x0, x1, centre, reach);

        Assert.Equal(BitConverter.DoubleToInt64Bits(expectedShift), BitConverter.DoubleToInt64Bits(shift));
        Assert.Equal(BitConverter.DoubleToInt64Bits(expectedConfidence), BitConverter.DoubleToInt64Bits(confidence));
    }

    [Theory]
    [InlineData(255, 17)]
    [InlineData(7, 5)]
    [InlineData(64, 3)]
    public void ColumnEnergy_Vector_EqualsScalarSum(int stride, int height)
    {
        var d = Noise(stride * height, seed: 3);
        var energy = new double[stride];

        TraceRetraceDisplacement.ColumnEnergy(d, energy, stride, height);

        for (var x = 0; x < stride; x++)
        {
            double expected = 0;
            for (var y = 0; y < height; y++)
            {
                expected += (double)d[(y * stride) + x] * d[(y * stride) + x];
            }

            Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(energy[x]));
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

    // The search as it was: shift by shift, every row's products summed for one shift before the next (the peak's refinement is unchanged).
    private static (double Shift, double Confidence) WindowByShift(float[] a, float[] b, double[] energyA, double[] energyB, int stride, int height, int x0, int x1, int centre, int reach)
    {
        var correlation = new double[(2 * reach) + 1];
        var best = -1;
        for (var k = 0; k < correlation.Length; k++)
        {
            var s = centre - reach + k;
            var lo = Math.Max(x0, -s);
            var hi = Math.Min(x1, stride - s);
            correlation[k] = double.NaN;
            if (hi - lo < 4)
            {
                continue;
            }

            double ab = 0;
            for (var y = 0; y < height; y++)
            {
                ab += TensorPrimitives.Dot(a.AsSpan((y * stride) + lo, hi - lo), b.AsSpan((y * stride) + lo + s, hi - lo));
            }

            var aa = TensorPrimitives.Sum(energyA.AsSpan(lo, hi - lo));
            var bb = TensorPrimitives.Sum(energyB.AsSpan(lo + s, hi - lo));
            if (aa > 0 && bb > 0)
            {
                correlation[k] = ab / Math.Sqrt(aa * bb);
                if (best < 0 || correlation[k] > correlation[best])
                {
                    best = k;
                }
            }
        }

        return TraceRetraceDisplacement.Peak(correlation, best, centre - reach);
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
