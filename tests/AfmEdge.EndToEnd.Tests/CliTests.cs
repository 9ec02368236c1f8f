using AfmEdge.Tests.Shared;
using AfmEdge.Cli;
using AfmEdge.EndToEnd.Tests.Support;

namespace AfmEdge.EndToEnd.Tests;

public sealed class CliTests
{
    [Fact]
    public async Task Version_PrintsVersionAndExitsZero()
    {
        var output = new StringWriter();
        Assert.Equal(ExitCodes.Ok, await AfmEdgeCli.InvokeAsync(["--version"], output, new StringWriter(), TestContext.Current.CancellationToken));
        Assert.StartsWith("0.1.0", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsRunAndExitsZero()
    {
        var output = new StringWriter();
        Assert.Equal(ExitCodes.Ok, await AfmEdgeCli.InvokeAsync(["--help"], output, new StringWriter(), TestContext.Current.CancellationToken));
        Assert.Contains("run", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("run", "--frames", "lots")]
    [InlineData("run", "--unknown-option")]
    public async Task BadUsage_ExitsTwo(params string[] args)
    {
        var error = new StringWriter();
        Assert.Equal(ExitCodes.BadUsageOrConfig, await AfmEdgeCli.InvokeAsync(args, new StringWriter(), error, TestContext.Current.CancellationToken));
        Assert.Contains("afmedge --help", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_FiniteScan_PublishesAndExitsZero()
    {
        var port = LoopbackPort.Reserve();
        var path = Path.Combine(Scratch.Folder("afmedge-cli-").FullName, "run.json");
        await File.WriteAllTextAsync(path, $$"""
            { "AfmEdge": { "Source": { "Scan": { "Pixels": 32 } }, "Mqtt": { "Port": {{port}}, "Device": "cli-test" } } }
            """, TestContext.Current.CancellationToken);
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = await AfmEdgeCli.InvokeAsync(["run", "--config", path, "--frames", "3", "--no-pace"], output, error, TestContext.Current.CancellationToken);

        Assert.True(exit == ExitCodes.Ok, $"exit {exit}: {error}");
        var text = output.ToString();
        Assert.Contains($"127.0.0.1:{port} under afm/v1/lab/cli-test/", text, StringComparison.Ordinal);
        Assert.Contains("3 frames published", text, StringComparison.Ordinal);
        Assert.Contains("r(Height,Current)=", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_PortTaken_ExitsOneWithClearMessage()
    {
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((System.Net.IPEndPoint)squatter.LocalEndpoint).Port;
        var path = Path.Combine(Scratch.Folder("afmedge-cli-").FullName, "run.json");
        await File.WriteAllTextAsync(path, $$"""{ "AfmEdge": { "Mqtt": { "Port": {{port}} } } }""", TestContext.Current.CancellationToken);
        var error = new StringWriter();

        var exit = await AfmEdgeCli.InvokeAsync(["run", "--config", path, "--frames", "1", "--no-pace"], new StringWriter(), error, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.RuntimeFailure, exit);
        Assert.Contains("already in use", error.ToString(), StringComparison.Ordinal);
    }
}
