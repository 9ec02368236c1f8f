using AfmEdge.Core;
using AfmEdge.Formats.Gsf;

namespace AfmEdge.Formats.Tests.Oracle;

/// <summary>
/// The oracle's process mode on fields whose correct result is known, so the processing layer can trust what it
/// compares itself with: each operation runs Gwyddion's own function and returns the field and a timing.
/// </summary>
public sealed class GwyddionOracleProcessTests : IDisposable
{
    private const int Width = 48;
    private const int Height = 32;

    private readonly string _directory = Directory.CreateTempSubdirectory("afmedge-oracle-process-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Process_PlaneOnTiltedPlane_LeavesZero()
    {
        GwyddionOracle.Require();
        var path = Write("plane.gsf", (x, y) => 5e-9 + (2e-10 * x) - (3e-10 * y));

        var result = GwyddionOracle.Process(path, 0, "plane");

        Assert.All(result.Data, v => Assert.True(Math.Abs(v) < 1e-15, $"{v} left after removing the plane"));
        Assert.Equal("plane", result.Operation);
        Assert.True(result.Milliseconds >= 0);
    }

    [Fact]
    public void Process_PlaneModuleOnTiltedPlane_LeavesAConstant()
    {
        GwyddionOracle.Require();
        var path = Write("plane-module.gsf", (x, y) => 5e-9 + (2e-10 * x) - (3e-10 * y));

        var result = GwyddionOracle.Process(path, 0, "plane-module");

        Assert.True(result.Data.Max() - result.Data.Min() < 1e-15, "Plane Level left a slope");
        Assert.True(Math.Abs(result.Data.Average()) > 1e-9, "Plane Level is expected to keep the offset");
    }

    [Fact]
    public void Process_Poly22OnQuadraticSurface_LeavesZero()
    {
        GwyddionOracle.Require();
        var path = Write("poly.gsf", (x, y) => 1e-9 * (1 + (0.1 * x) + (0.02 * x * x) - (0.05 * y) + (0.001 * x * y * y)));

        var result = GwyddionOracle.Process(path, 0, "poly:2:2");

        // The input is float32 (≈ 6e-8 relative of values up to 5e-8), so the residual is that rounding, not zero.
        Assert.All(result.Data, v => Assert.True(Math.Abs(v) < 1e-14, $"{v} left after removing the degree (2, 2) polynomial"));
    }

    [Theory]
    [InlineData("align-mean")]
    [InlineData("align-median")]
    [InlineData("align-trimmed:0.2")]
    // align-median-diff is left out: Gwyddion's find_row_shifts_trimmed_diff sums the row-to-row medians and then
    // removes a least-squares line from those shifts (slope_level_row_shifts), not their mean, so a linear trend of
    // the offsets stays in the data (1.7e-11 per row here); the other methods subtract the shifts' mean.
    public void Process_AlignRowsOnOffsetRows_MakesEveryRowEqual(string operation)
    {
        GwyddionOracle.Require();
        var path = Write(operation.Replace(':', '_') + ".gsf", (x, y) => (Math.Sin(x * 0.9) * 1e-9) + (y % 5 * 3e-9));

        var result = GwyddionOracle.Process(path, 0, operation);

        for (var y = 1; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                Assert.True(Math.Abs(result[x, y] - result[x, 0]) < 1e-15, $"{operation}: row {y} differs from row 0 at x={x}: {result[x, y]:R} vs {result[x, 0]:R}");
            }
        }
    }

    [Theory]
    [InlineData("gauss:2")]
    [InlineData("median:5")]
    public void Process_FiltersOnConstantField_KeepTheConstant(string operation)
    {
        GwyddionOracle.Require();
        var path = Write("constant.gsf", (_, _) => 7e-9);

        var result = GwyddionOracle.Process(path, 0, operation, repeat: 3);

        Assert.All(result.Data, v => Assert.Equal(7e-9, v, 1e-15));
        Assert.Equal(operation, result.Operation);
    }

    [Fact]
    public void Process_MedianOnSingleSpike_RemovesIt()
    {
        GwyddionOracle.Require();
        var path = Write("spike.gsf", (x, y) => x == 20 && y == 10 ? 1e-6 : 0);

        var result = GwyddionOracle.Process(path, 0, "median:3");

        Assert.All(result.Data, v => Assert.Equal(0, v));
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("gauss:-1")]
    [InlineData("poly:2")]
    public void Process_BadOperation_Throws(string operation)
    {
        GwyddionOracle.Require();
        var path = Write("bad.gsf", (_, _) => 0);

        var ex = Assert.Throws<InvalidOperationException>(() => GwyddionOracle.Process(path, 0, operation));

        Assert.Contains("unknown or bad operation", ex.Message, StringComparison.Ordinal);
    }

    private string Write(string name, Func<int, int, double> z)
    {
        var data = new float[Width * Height];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                data[(y * Width) + x] = (float)z(x, y);
            }
        }

        var path = Path.Combine(_directory, name);
        GsfWriter.Write(path, new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), Width, Height, data), 4.8e-6, 3.2e-6);
        return path;
    }
}
