using AfmEdge.Cli;
using AfmEdge.EndToEnd.Tests.Support;
using AfmEdge.Formats.Gsf;
using AfmEdge.Formats.Tests.Oracle;
using AfmEdge.Simulation.Truth;

namespace AfmEdge.EndToEnd.Tests;

public sealed class SimulateCommandTests
{
    private static async Task<(int Exit, string Output, string Error, string Dir)> SimulateAsync(params string[] extra)
    {
        var dir = Path.Combine(Scratch.Folder("afmedge-sim-").FullName, "out");
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await AfmEdgeCli.InvokeAsync(["simulate", "--out", dir, .. extra], output, error, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString(), dir);
    }

    [Fact]
    public async Task Simulate_Seed_WritesChannelsLabelsAndTruth()
    {
        var (exit, output, error, dir) = await SimulateAsync("--seed", "3", "--pixels", "64");

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("seed 3", output, StringComparison.Ordinal);
        string[] expected =
        [
            "Adhesion-retrace.gsf", "Adhesion.gsf", "Current-retrace.gsf", "Current.gsf", "Height-retrace.gsf", "Height.gsf",
            "Potential-retrace.gsf", "Potential.gsf", "chromosomes.gsf", "labels.gsf", "truth.json",
        ];
        Assert.Equal(expected, Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var current = GsfReader.Read(Path.Combine(dir, "Current.gsf")).Channels[0];
        Assert.Equal((64, 64, "A"), (current.Width, current.Height, current.Unit.Symbol));
        var labels = GsfReader.Read(Path.Combine(dir, "labels.gsf")).Channels[0];
        Assert.All(labels.Data.ToArray(), v => Assert.InRange(v, 0, 3));
        Assert.Contains(3f, labels.Data.ToArray());
        var truth = SpecimenTruth.FromJson(await File.ReadAllTextAsync(Path.Combine(dir, "truth.json"), TestContext.Current.CancellationToken));
        Assert.Equal(3, truth.Seed);
        Assert.NotEmpty(truth.Chromosomes);
        Assert.NotEmpty(truth.Regions);
        Assert.All(truth.Chromosomes, c => Assert.True(c.PArmLength <= c.QArmLength));
    }

    [Fact]
    public async Task Simulate_SameSeedTwice_WritesIdenticalFields()
    {
        var first = await SimulateAsync("--seed", "5", "--pixels", "48");
        var second = await SimulateAsync("--seed", "5", "--pixels", "48");
        foreach (var name in new[] { "Height.gsf", "Potential-retrace.gsf", "labels.gsf" })
        {
            Assert.Equal(
                await File.ReadAllBytesAsync(Path.Combine(first.Dir, name), TestContext.Current.CancellationToken),
                await File.ReadAllBytesAsync(Path.Combine(second.Dir, name), TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task Simulate_Output_OpensInGwyddionWithSizesAndUnits()
    {
        GwyddionOracle.Require();
        var (exit, _, error, dir) = await SimulateAsync("--seed", "2", "--pixels", "32", "--size-um", "10", "--clean");
        Assert.True(exit == ExitCodes.Ok, error);
        foreach (var (file, unit) in new[] { ("Height.gsf", "m"), ("Current.gsf", "A"), ("Potential.gsf", "V"), ("Adhesion-retrace.gsf", "N") })
        {
            var ours = GsfReader.Read(Path.Combine(dir, file)).Channels[0];
            var gwyddion = Assert.Single(GwyddionOracle.Dump(Path.Combine(dir, file)));
            Assert.Equal((32, 32, unit, "m"), (gwyddion.XRes, gwyddion.YRes, gwyddion.ZUnit, gwyddion.XyUnit));
            Assert.Equal(10e-6, gwyddion.XReal, 1e-12);
            Assert.Equal(ours.Data.ToArray().Select(v => (double)v), gwyddion.Data);
        }
    }

    [Theory]
    [InlineData("--pixels", "3")]
    [InlineData("--size-um", "0")]
    [InlineData("--seed", "-1")]
    public async Task Simulate_BadArgument_ExitsTwoNamingIt(string option, string value)
    {
        var (exit, output, error, dir) = await SimulateAsync(option, value);
        Assert.Equal(ExitCodes.BadUsageOrConfig, exit);
        Assert.Contains(option, error, StringComparison.Ordinal);
        Assert.Empty(output);
        Assert.False(Directory.Exists(dir));
    }
}
