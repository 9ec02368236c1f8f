using System.Globalization;
using AfmEdge.Cli;
using AfmEdge.Core;
using AfmEdge.EndToEnd.Tests.Support;
using AfmEdge.Host;
using AfmEdge.Host.Enhancement;
using AfmEdge.Host.Pipeline;
using AfmEdge.Kernels;
using AfmEdge.Messaging;
using AfmEdge.Simulation.TestPattern;
using AfmEdge.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AfmEdge.EndToEnd.Tests;

/// <summary>
/// AfmEdge:Enhancement:Engine = ilgpu in the host, and `afmedge bench enhance --accelerator`. ILGPU's CPU accelerator stands
/// in for a GPU (one 8² frame: it runs fusion4 at ~2 s per 16² frame); the GPU twins run under Category=Gpu and skip without one.
/// The ILGPU engine sums in another order than the native engine, so frames agree to 1e-4 of their range, not bitwise.
/// </summary>
public sealed class IlgpuEnhancementTests
{
    [Fact]
    public async Task Host_IlgpuOnIlgpuCpu_PublishesTheNativeFramesWithinTolerance()
    {
        var device = await RunAndCompareAsync(ProcessingAccelerator.IlgpuCpu, pixels: 8, frames: 1);

        Assert.Equal(ProcessingAccelerator.IlgpuCpu, device);
    }

    [Trait("Category", "Gpu")]
    [Fact]
    public async Task Host_IlgpuOnGpu_PublishesTheNativeFramesWithinTolerance()
    {
        SkipWithoutGpu();

        var device = await RunAndCompareAsync(ProcessingAccelerator.Auto, pixels: 256, frames: 2);

        Assert.Matches("^(cuda|opencl) ", device);
    }

    [Fact]
    public async Task Host_IlgpuWithoutGpu_FailsAtStartNamingTheKeysAndStartsNothing()
    {
        SkipWhereThereIsAGpu();
        var port = LoopbackPort.Reserve();
        using var host = AfmEdgeHost.Build(Configuration(port, new TopicScheme("test", "ilgpu-none"), ProcessingAccelerator.Auto, pixels: 16, frames: 1));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.StartsWith("AfmEdge:Enhancement:Engine = 'ilgpu' needs a GPU, and AfmEdge:Enhancement:Accelerator = 'auto' found none: no CUDA or OpenCL",
            error.Message, StringComparison.Ordinal);
        Assert.Contains("Use AfmEdge:Enhancement:Engine = 'native' on the CPU", error.Message, StringComparison.Ordinal);
        Assert.False(LoopbackPort.IsListening(port), "The embedded broker must not start when the enhancement accelerator is missing.");
    }

    [Theory]
    [InlineData("cpu", "AfmEdge:Enhancement:Accelerator = 'cpu': must be one of auto, cuda, opencl, ilgpu-cpu (on the CPU use Enhancement:Engine = native).")]
    [InlineData("vulkan", "AfmEdge:Enhancement:Accelerator = 'vulkan': must be one of auto, cuda, opencl, ilgpu-cpu.")]
    public async Task Host_UnknownEnhancementAccelerator_FailsOptionsValidationOnStart(string accelerator, string expected)
    {
        using var host = AfmEdgeHost.Build(Configuration(LoopbackPort.Reserve(), new TopicScheme("test", "ilgpu-bad"), accelerator, pixels: 16, frames: 1));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchEnhance_IlgpuCpu_AddsTheIlgpuRowHeldToBothCpuEngines()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = await AfmEdgeCli.InvokeAsync(
            ["bench", "enhance", "--pixels", "12", "--layers", "2", "--features", "4", "--threads", "1", "--budget-ms", "1", "--accelerator", "ilgpu-cpu"],
            stdout, stderr, TestContext.Current.CancellationToken);

        Assert.True(exit == ExitCodes.Ok, stderr.ToString());
        var text = stdout.ToString();
        Assert.Contains("accelerator (ilgpu-cpu): ilgpu-cpu", text, StringComparison.Ordinal);
        var row = Assert.Single(text.Split('\n'), line => line.StartsWith("ilgpu (ilgpu-cpu)", StringComparison.Ordinal));
        // Both differences are printed as "E2" numbers, each at most 1e-4 of the output's range.
        var fractions = System.Text.RegularExpressions.Regex.Matches(row, @"\(([0-9.E+-]+) of range\)")
            .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(2, fractions.Length);
        Assert.All(fractions, f => Assert.InRange(f, 0, 1e-4));
        Assert.Contains("max |ilgpu − native|", row, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cuda", ExitCodes.RuntimeFailure, "afmedge bench enhance: --accelerator cuda: no such device here (no CUDA")]
    [InlineData("cpu", ExitCodes.BadUsageOrConfig, "afmedge bench enhance: --accelerator 'cpu' is not one of auto, cuda, opencl, ilgpu-cpu.")]
    public async Task BenchEnhance_AcceleratorMissingOrUnknown_FailsSayingWhy(string accelerator, int expectedExit, string expected)
    {
        if (accelerator == ProcessingAccelerator.Cuda)
        {
            SkipWhereThereIsAGpu();
        }

        var stderr = new StringWriter();

        var exit = await AfmEdgeCli.InvokeAsync(["bench", "enhance", "--pixels", "8", "--budget-ms", "1", "--accelerator", accelerator], new StringWriter(), stderr,
            TestContext.Current.CancellationToken);

        Assert.Equal(expectedExit, exit);
        Assert.StartsWith(expected, stderr.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Runs the host with Engine = ilgpu and checks every published channel against the native pipeline; returns the device it ran on.</summary>
    private static async Task<string> RunAndCompareAsync(string accelerator, int pixels, int frames)
    {
        var port = LoopbackPort.Reserve();
        var topics = new TopicScheme("test", "ilgpu-" + Guid.NewGuid().ToString("N")[..8]);
        MqttProbe? probe = null;
        using var host = AfmEdgeHost.Build(Configuration(port, topics, accelerator, pixels, frames), services =>
            HostEndToEndTests.InsertAfter<EmbeddedBrokerService>(services, new HostEndToEndTests.CallbackHostedService(async () => probe = await MqttProbe.ConnectAsync(port, topics))));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        await host.StartAsync(timeout.Token);
        await host.WaitForShutdownAsync(timeout.Token);

        Assert.False(timeout.IsCancellationRequested, "The host did not stop by itself after publishing its frames.");
        Assert.Equal(frames, host.Services.GetRequiredService<PipelineMetrics>().Published);
        var device = host.Services.GetRequiredService<IlgpuEnhancement>().Device;
        await using (probe)
        {
            Assert.NotNull(probe);
            await probe.WaitForAsync(p => p.Statuses.Contains(MqttPublisher.Offline) && p.Channels.Count >= frames * 4, TimeSpan.FromSeconds(20));
            var scan = new ScanSettings { SizeX = 20e-6, SizeY = 20e-6, PixelsX = pixels, PixelsY = pixels, LineRateHz = 128, Overscan = 0.05 };
            var expected = await ExpectedPipeline.FramesAsync(scan, new TestPatternOptions(), frames);
            var byFrame = probe.Channels.GroupBy(c => c.FrameId).OrderBy(g => g.Key, StringComparer.Ordinal).ToArray();
            Assert.Equal(frames, byFrame.Length);
            for (var f = 0; f < frames; f++)
            {
                foreach (var channel in expected[f].Channels)
                {
                    var received = Assert.Single(byFrame[f], c => c.Channel == channel.Descriptor.Key);
                    Assert.Equal((2 * pixels, 2 * pixels), (received.Width, received.Height));
                    AssertClose(channel.Name, channel.Data.ToArray(), received.Samples);
                }
            }
        }

        return device;
    }

    /// <summary>|native − ilgpu| ≤ 1e-4 of the native channel's range, sample by sample.</summary>
    private static void AssertClose(string channel, float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var range = Math.Max(expected.Max() - expected.Min(), 1e-30f);
        var worst = expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max();
        Assert.True(worst <= 1e-4 * range, $"{channel}: max |native − ilgpu| {worst:E3} is more than 1e-4 of the range {range:E3}");
    }

    private static void SkipWithoutGpu()
    {
        if (!EnhancementAccelerator.TryOpen(ProcessingAccelerator.Auto, out var gpu, out var reason))
        {
            Assert.Skip("No GPU accelerator: " + reason);
        }

        gpu!.Dispose();
    }

    private static void SkipWhereThereIsAGpu()
    {
        if (EnhancementAccelerator.TryOpen(ProcessingAccelerator.Auto, out var gpu, out _))
        {
            var name = gpu!.Name;
            gpu.Dispose();
            Assert.Skip($"This machine has a GPU ({name}); the test is about one without.");
        }
    }

    private static IConfiguration Configuration(int port, TopicScheme topics, string accelerator, int pixels, int frames) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AfmEdge:Source:Kind"] = "TestPattern",
            ["AfmEdge:Source:Frames"] = frames.ToString(CultureInfo.InvariantCulture),
            ["AfmEdge:Source:Pace"] = "false",
            ["AfmEdge:Source:Scan:Pixels"] = pixels.ToString(CultureInfo.InvariantCulture),
            ["AfmEdge:Source:Scan:Size"] = "20 µm",
            ["AfmEdge:Mqtt:Broker"] = "Embedded",
            ["AfmEdge:Mqtt:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["AfmEdge:Mqtt:Site"] = topics.Site,
            ["AfmEdge:Mqtt:Device"] = topics.Device,
            ["AfmEdge:Mqtt:ReconnectMinMilliseconds"] = "50",
            ["AfmEdge:Enhancement:Engine"] = "ilgpu",
            ["AfmEdge:Enhancement:Accelerator"] = accelerator,
            ["AfmEdge:Enhancement:TileSize"] = "128",
            ["AfmEdge:Enhancement:WatchModels"] = "false",
        }).Build();
}
