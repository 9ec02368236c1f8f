namespace AfmEdge.Processing.Tests;

public sealed class FilterTests
{
    [Theory]
    [InlineData(0.7, 41, 29)]
    [InlineData(2.0, 64, 48)]
    [InlineData(2.0, 7, 5)]
    [InlineData(5.0, 3, 2)]
    [InlineData(1.5, 1, 9)]
    public void Gaussian_RandomField_MatchesReference(double sigma, int w, int h)
    {
        var data = TestData.Field(w, h, (int)(sigma * 10));
        TestData.AssertClose(Reference.Gaussian(data, w, h, sigma), TestData.Run(new GaussianFilter(sigma), data, w, h));
    }

    [Fact]
    public void Gaussian_Kernel_MatchesGwyddionSizeAndNormalisation()
    {
        var kernel = GaussianFilter.Kernel(2.0, 512, 512);
        Assert.Equal(21, kernel.Length);
        Assert.Equal(1.0, kernel.Sum(v => (double)v), 5);
        Assert.Equal(5, GaussianFilter.Kernel(10.0, 2, 2).Length); // capped at 3·min(w,h) = 6, made odd
    }

    [Fact]
    public void Gaussian_ConstantField_StaysConstant()
    {
        var data = Enumerable.Repeat(7.25f, 30 * 20).ToArray();
        Assert.All(TestData.Run(new GaussianFilter(3), data, 30, 20), v => Assert.Equal(7.25f, v, 4));
    }

    [Theory]
    [InlineData(2, 41, 29)]
    [InlineData(3, 41, 29)]
    [InlineData(4, 40, 30)]
    [InlineData(5, 64, 48)]
    [InlineData(5, 6, 4)]
    [InlineData(7, 33, 20)]
    [InlineData(9, 50, 12)]
    public void Median_RandomField_MatchesReference(int size, int w, int h)
    {
        var data = TestData.Field(w, h, size);
        Assert.Equal(Reference.Median(data, w, h, size), TestData.Run(new MedianFilter(size), data, w, h));
    }

    [Fact]
    public void Median_TiedValues_MatchesReference()
    {
        var random = new Random(9);
        var data = Enumerable.Range(0, 45 * 31).Select(_ => (float)random.Next(3)).ToArray();
        Assert.Equal(Reference.Median(data, 45, 31, 5), TestData.Run(new MedianFilter(5), data, 45, 31));
    }

    [Fact]
    public void Median_Spike_IsRemoved()
    {
        var data = new float[20 * 20];
        data[(10 * 20) + 10] = 1000;
        Assert.All(TestData.Run(new MedianFilter(3), data, 20, 20), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Median_Network_SortsEveryZeroOnePattern()
    {
        // 0–1 principle on 9 inputs: the pruned network must put the rank-4 value in its output register.
        var network = MedianFilter.BuildNetwork(9);
        for (var pattern = 0; pattern < 512; pattern++)
        {
            var regs = new int[16];
            for (var i = 0; i < 9; i++)
            {
                regs[i] = (pattern >> i) & 1;
            }

            for (var i = 1; i < network.Length; i += 2)
            {
                var (a, b) = (regs[network[i]], regs[network[i + 1]]);
                regs[network[i]] = Math.Min(a, b);
                regs[network[i + 1]] = Math.Max(a, b);
            }

            var ones = System.Numerics.BitOperations.PopCount((uint)pattern);
            Assert.Equal(9 - ones <= 4 ? 1 : 0, regs[network[0]]);
        }
    }

    [Fact]
    public void Filters_BadParameters_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianFilter(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianFilter(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MedianFilter(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MedianFilter(MedianFilter.MaxSize + 1));
    }
}
