using System.Runtime.Intrinsics;
using AfmEdge.Inference.Native;

namespace AfmEdge.Inference.Tests;

/// <summary>The kernels' LeakyReLU (the hardware max) gives IEEE max(x, slope·x) bit for bit for every slope a layer allows.</summary>
public sealed class VectorOpsTests
{
    private static readonly float[] Values = [0f, -0f, 1.5f, -1.5f, float.Epsilon, -float.Epsilon, 3e38f, -3e38f, 1e-30f, -1e-30f];

    [Theory]
    [InlineData(0f)]
    [InlineData(0.1f)]
    [InlineData(0.2f)]
    [InlineData(0.999f)]
    public void LeakyRelu_AllowedSlopes_EqualsIeeeMaxBitwise(float slope)
    {
        foreach (var x in Values)
        {
            var expected = BitConverter.SingleToInt32Bits(float.Max(x, slope * x));
            Assert.Equal(expected, BitConverter.SingleToInt32Bits(Vector512Ops.LeakyRelu(Vector512.Create(x), Vector512.Create(slope))[3]));
            Assert.Equal(expected, BitConverter.SingleToInt32Bits(Vector256Ops.LeakyRelu(Vector256.Create(x), Vector256.Create(slope))[3]));
            Assert.Equal(expected, BitConverter.SingleToInt32Bits(Vector128Ops.LeakyRelu(Vector128.Create(x), Vector128.Create(slope))[3]));
        }
    }

    [Fact]
    public void LeakyReluNegativeZeroSlope_PositiveZero_StaysPositive()
    {
        // −0·(+0) = −0, and the hardware max of +0 and −0 is its second operand: the case the IEEE variant is for.
        foreach (var x in Values)
        {
            var expected = BitConverter.SingleToInt32Bits(float.Max(x, -0f * x));
            Assert.Equal(expected, BitConverter.SingleToInt32Bits(Vector512Ops.LeakyReluNegativeZeroSlope(Vector512.Create(x), Vector512.Create(-0f))[0]));
            Assert.Equal(expected, BitConverter.SingleToInt32Bits(Vector256Ops.LeakyReluNegativeZeroSlope(Vector256.Create(x), Vector256.Create(-0f))[0]));
            Assert.Equal(expected, BitConverter.SingleToInt32Bits(Vector128Ops.LeakyReluNegativeZeroSlope(Vector128.Create(x), Vector128.Create(-0f))[0]));
        }

        Assert.Equal(0, BitConverter.SingleToInt32Bits(Vector512Ops.LeakyReluNegativeZeroSlope(Vector512.Create(0f), Vector512.Create(-0f))[0]));
    }
}
