using System.Globalization;
using System.Text.RegularExpressions;
using AfmEdge.Cli;

namespace AfmEdge.EndToEnd.Tests;

public sealed partial class ZCommandTests
{
    [Fact]
    public async Task Approach_DefaultMicroscope_EngagesAndReportsZAndSteps()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        int code = await AfmEdgeCli.InvokeAsync(["approach", "--seed", "2"], output, error, TestContext.Current.CancellationToken);

        Assert.True(code == ExitCodes.Ok, error.ToString());
        var match = EngagedPattern().Match(output.ToString());
        Assert.True(match.Success, output.ToString());
        long steps = long.Parse(match.Groups["steps"].Value, CultureInfo.InvariantCulture);
        double zVolts = double.Parse(match.Groups["z"].Value, CultureInfo.InvariantCulture);
        double extensionNm = double.Parse(match.Groups["ext"].Value, CultureInfo.InvariantCulture);

        // The tip rests 100 nm above the substrate at 0 V (50 nm/V, Z from −10 V): contact needs several hundred
        // nm of extension, reached in 0.01 V steps, so the reported steps and Z agree with each other.
        Assert.InRange(zVolts, -10, 10);
        Assert.InRange(extensionNm, 300, 1000);
        Assert.InRange(steps, (long)((zVolts + 10) / 0.01) - 2, (long)((zVolts + 10) / 0.01) + 2);
    }

    [Fact]
    public async Task Approach_SurfaceOutOfReach_ExitsOneWithApproachFailedReason()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        int code = await AfmEdgeCli.InvokeAsync(["approach", "--tip-gap-nm", "2000"], output, error, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.RuntimeFailure, code);
        Assert.Contains("ApproachFailed", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("ran out of Z range", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Z retracted to -10.000 V", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }

    [Fact]
    public async Task Approach_FartherSurface_TakesMoreSteps()
    {
        var token = TestContext.Current.CancellationToken;
        var near = new StringWriter();
        var far = new StringWriter();

        Assert.Equal(ExitCodes.Ok, await AfmEdgeCli.InvokeAsync(["approach", "--tip-gap-nm", "0"], near, new StringWriter(), token));
        Assert.Equal(ExitCodes.Ok, await AfmEdgeCli.InvokeAsync(["approach", "--tip-gap-nm", "200"], far, new StringWriter(), token));

        long nearSteps = long.Parse(EngagedPattern().Match(near.ToString()).Groups["steps"].Value, CultureInfo.InvariantCulture);
        long farSteps = long.Parse(EngagedPattern().Match(far.ToString()).Groups["steps"].Value, CultureInfo.InvariantCulture);

        // 200 nm more gap at 50 nm/V is 4 V more Z, i.e. about 400 more steps of 0.01 V.
        Assert.InRange(farSteps - nearSteps, 380, 420);
    }

    [Fact]
    public async Task Retract_VirtualMicroscope_EndsFullyRetracted()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        int code = await AfmEdgeCli.InvokeAsync(["retract"], output, error, TestContext.Current.CancellationToken);

        Assert.True(code == ExitCodes.Ok, error.ToString());
        Assert.Contains("final Z -10.000 V (0.0 nm extended", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approach_NonFiniteGap_ExitsTwo()
    {
        var error = new StringWriter();

        int code = await AfmEdgeCli.InvokeAsync(["approach", "--tip-gap-nm", "NaN"], new StringWriter(), error, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.BadUsageOrConfig, code);
        Assert.Contains("--tip-gap-nm", error.ToString(), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Engaged after (?<steps>\d+) Z steps: Z at contact (?<z>-?[\d.]+) V \((?<ext>-?[\d.]+) nm extended")]
    private static partial Regex EngagedPattern();
}
