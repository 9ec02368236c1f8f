using AfmEdge.Tests.Shared;

namespace AfmEdge.Analysis.Tests;

public sealed class LocalCorrelationTests
{
    [Theory]
    [InlineData(37, 23, 1)]
    [InlineData(64, 48, 4)]
    [InlineData(5, 40, 7)]
    public void Compute_MatchesScalarReference_WithHolesAndEdges(int width, int height, int radius)
    {
        var (a, b) = CorrelatedImages.WithHoles(width, height, width + height + radius);
        var fast = new float[a.Length];
        var reference = new float[a.Length];
        LocalCorrelation.Compute(a, b, width, height, radius, fast);
        LocalCorrelation.ComputeReference(a, b, width, height, radius, reference);
        for (var i = 0; i < a.Length; i++)
        {
            Assert.Equal(float.IsNaN(reference[i]), float.IsNaN(fast[i]));
            if (!float.IsNaN(reference[i]))
            {
                Assert.True(Math.Abs(reference[i] - fast[i]) < 1e-4, $"pixel {i}: {fast[i]} vs reference {reference[i]}");
            }
        }
    }

    [Fact]
    public void Compute_ConstantWindow_IsNaN()
    {
        var a = new float[100];
        var b = Enumerable.Range(0, 100).Select(i => (float)i).ToArray();
        var output = new float[100];
        LocalCorrelation.Compute(a, b, 10, 10, 2, output);
        Assert.All(output, v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void Compute_WrongLength_Throws() =>
        Assert.Throws<ArgumentException>(() => LocalCorrelation.Compute(new float[10], new float[10], 4, 4, 1, new float[16]));
}
