using AfmEdge.Tests.Shared;
using System.Text.Json;
using AfmEdge.Analysis;
using AfmEdge.Core;
using AfmEdge.EndToEnd.Tests.Support;
using AfmEdge.Host;
using AfmEdge.Host.Pipeline;
using AfmEdge.Messaging;
using AfmEdge.Simulation.TestPattern;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AfmEdge.EndToEnd.Tests;

public sealed class HostEndToEndTests
{
    private const int Frames = 2;
    private const int Pixels = 64;

    internal static readonly ScanSettings Scan = new() { SizeX = 20e-6, SizeY = 20e-6, PixelsX = Pixels, PixelsY = Pixels, LineRateHz = 128, Overscan = 0.05 };

    [Fact]
    public async Task Run_EmbeddedBroker_PublishesFramesBitExactSummariesAndStatus()
    {
        var port = LoopbackPort.Reserve();
        var topics = new TopicScheme("test", "embedded-" + Guid.NewGuid().ToString("N")[..8]);
        MqttProbe? probe = null;
        using var host = AfmEdgeHost.Build(Configuration(port, topics, "Embedded"), services =>
            // The probe must subscribe after the embedded broker is up and before the first frame goes out:
            // a hosted service registered right after the broker's starts exactly then.
            InsertAfter<EmbeddedBrokerService>(services, new CallbackHostedService(async () => probe = await MqttProbe.ConnectAsync(port, topics))));

        await RunToCompletionAsync(host);
        await using (probe)
        {
            Assert.NotNull(probe);
            await AssertPublishedAsync(probe, host);
        }

        Assert.False(LoopbackPort.IsListening(port), "The embedded broker must stop with the host.");
    }

    [Fact]
    public async Task Run_RealMosquitto_PublishesFramesBitExactSummariesAndStatus()
    {
        await using var mosquitto = await MosquittoBroker.StartAsync();
        var topics = new TopicScheme("test", "mosquitto-" + Guid.NewGuid().ToString("N")[..8]);
        await using var probe = await MqttProbe.ConnectAsync(mosquitto.Port, topics);
        using var host = AfmEdgeHost.Build(Configuration(mosquitto.Port, topics, "External"));

        await RunToCompletionAsync(host);
        await AssertPublishedAsync(probe, host);
    }

    private const string WithoutMerge = "register:midpoint,register:probes,level:plane@Height";

    [Theory]
    [InlineData("Closed", "false", WithoutMerge, new[] { "Adhesion", "Adhesion-retrace", "Current", "Current-retrace", "Height", "Height-retrace", "Potential", "Potential-retrace" }, new[] { "Current", "Potential", "Adhesion" })]
    [InlineData("Closed", "true", WithoutMerge, new[] { "Adhesion", "Adhesion-retrace", "Current", "Current-retrace", "Deflection", "Deflection-retrace", "Height", "Height-retrace", "Potential", "Potential-retrace" }, new[] { "Deflection", "Current", "Potential", "Adhesion" })]
    [InlineData("Ideal", "false", WithoutMerge, new[] { "Adhesion", "Adhesion-retrace", "Current", "Current-retrace", "Height", "Height-retrace", "Potential", "Potential-retrace" }, new[] { "Current", "Potential", "Adhesion" })]
    // The default chain merges each retrace into its trace (merge-retrace), so only the merged traces go on.
    [InlineData("Closed", "false", null, new[] { "Adhesion", "Current", "Height", "Potential" }, new[] { "Current", "Potential", "Adhesion" })]
    public async Task Run_VirtualMicroscope_PublishesEveryProbeInTheDirectionsTheChainKeeps(string loop, string includeDeflection, string? steps, string[] channels, string[] correlated)
    {
        var port = LoopbackPort.Reserve();
        var topics = new TopicScheme("test", "virtual-" + Guid.NewGuid().ToString("N")[..8]);
        MqttProbe? probe = null;
        var settings = new Dictionary<string, string?> { ["AfmEdge:Source:Kind"] = "VirtualMicroscope", ["AfmEdge:Source:VirtualMicroscope:Loop"] = loop, ["AfmEdge:Source:VirtualMicroscope:IncludeDeflection"] = includeDeflection, ["AfmEdge:Source:Frames"] = "1" };
        var chain = steps?.Split(',') ?? [];
        for (var i = 0; i < chain.Length; i++)
        {
            settings[$"AfmEdge:Processing:Steps:{i}"] = chain[i];
        }

        var configuration = new ConfigurationBuilder()
            .AddConfiguration(Configuration(port, topics, "Embedded"))
            .AddInMemoryCollection(settings)
            .Build();
        using var host = AfmEdgeHost.Build(configuration, services =>
            InsertAfter<EmbeddedBrokerService>(services, new CallbackHostedService(async () => probe = await MqttProbe.ConnectAsync(port, topics))));

        await RunToCompletionAsync(host);
        await using (probe)
        {
            // Closed (the default) publishes IdealScan's channels, so models and analyses fit either loop; Deflection on request.
            await probe!.WaitForAsync(p => p.Channels.Count >= channels.Length && !p.Summaries.IsEmpty, TimeSpan.FromSeconds(20));
            Assert.Empty(probe.Errors);
            Assert.Equal(channels, probe.Channels.Select(c => c.Channel).Order(StringComparer.Ordinal));
            var summary = SummaryJson.Deserialize(probe.Summaries.First());
            Assert.Equal(correlated, summary.Correlations.Select(c => c.Channel));
            Assert.All(summary.Correlations, c => Assert.NotNull(c.Pearson));

            // The chromosomes (100-300 nm high) are in the height the Z feedback recorded.
            var height = Assert.Single(summary.Channels, c => c.Name == "Height" && c.Direction == "trace");
            Assert.InRange(height.Max - height.Min, 100e-9, 2e-6);
        }
    }

    [Fact]
    public async Task Run_AnalyseEvery2_PublishesEveryFrameAndTheSummariesOfEverySecond()
    {
        var port = LoopbackPort.Reserve();
        var topics = new TopicScheme("test", "every-" + Guid.NewGuid().ToString("N")[..8]);
        MqttProbe? probe = null;
        var configuration = new ConfigurationBuilder()
            .AddConfiguration(Configuration(port, topics, "Embedded"))
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AfmEdge:Source:Frames"] = "5", ["AfmEdge:Pipeline:AnalyseEvery"] = "2" })
            .Build();
        using var host = AfmEdgeHost.Build(configuration, services =>
            InsertAfter<EmbeddedBrokerService>(services, new CallbackHostedService(async () => probe = await MqttProbe.ConnectAsync(port, topics))));

        await RunToCompletionAsync(host);
        await using (probe)
        {
            await probe!.WaitForAsync(p => p.Statuses.Contains(MqttPublisher.Offline) && p.Channels.Count >= 5 * 4 && p.Summaries.Count >= 3, TimeSpan.FromSeconds(20));
            Assert.Empty(probe.Errors);
            Assert.Equal([0L, 1, 2, 3, 4], probe.Channels.Select(c => FrameId.Parse(c.FrameId).Sequence).Distinct().Order());
            Assert.Equal([0L, 2, 4], probe.Summaries.Select(json => FrameId.Parse(SummaryJson.Deserialize(json).FrameId).Sequence).Order());
        }

        var metrics = host.Services.GetRequiredService<PipelineMetrics>();
        Assert.Equal((5, 3), (metrics.Published, metrics.Analysed));
        Assert.Equal(4, FrameId.Parse(metrics.LastSummary!.FrameId).Sequence);
    }

    [Fact]
    public async Task Run_NoFrameSubscriber_ReusesTheFramesArraysAndEverySummaryStaysExact()
    {
        const int frames = 6;
        var port = LoopbackPort.Reserve();
        var topics = new TopicScheme("test", "reuse-" + Guid.NewGuid().ToString("N")[..8]);
        MqttProbe? probe = null;
        var configuration = new ConfigurationBuilder()
            .AddConfiguration(Configuration(port, topics, "Embedded"))
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AfmEdge:Source:Frames"] = "6" })
            .Build();
        // Only summaries are subscribed to: the broker drops every frame chunk, so the frames' arrays come back for reuse.
        using var host = AfmEdgeHost.Build(configuration, services =>
            InsertAfter<EmbeddedBrokerService>(services, new CallbackHostedService(async () => probe = await MqttProbe.ConnectAsync(port, topics, topics.Summary))));

        await RunToCompletionAsync(host);
        await using (probe)
        {
            await probe!.WaitForAsync(p => p.Summaries.Count >= frames, TimeSpan.FromSeconds(20));
            Assert.Empty(probe.Channels);
            var expected = await ExpectedPipeline.FramesAsync(Scan, new TestPatternOptions(), frames);
            var analyzer = new FrameAnalyzer(TimeProvider.System);
            foreach (var summary in probe.Summaries.Select(json => SummaryJson.Deserialize(json)))
            {
                var fresh = analyzer.Analyze(expected[(int)FrameId.Parse(summary.FrameId).Sequence]);
                Assert.Equal(fresh.Correlations.Select(c => (c.Channel, c.Pearson)), summary.Correlations.Select(c => (c.Channel, c.Pearson)));
            }
        }

        var buffers = host.Services.GetRequiredService<EnhancedFrameBuffers>();
        Assert.Equal(0, buffers.Outstanding);
        Assert.True(buffers.Pool.RetainedBytes > 0, "No enhanced frame's arrays came back.");
    }

    [Fact]
    public async Task Run_PreviewsOff_NoFrameIsQueuedForAPreviewAndEveryOneComesBack()
    {
        var port = LoopbackPort.Reserve();
        var topics = new TopicScheme("test", "nopreview-" + Guid.NewGuid().ToString("N")[..8]);
        var configuration = new ConfigurationBuilder()
            .AddConfiguration(Configuration(port, topics, "Embedded"))
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AfmEdge:Source:Frames"] = "4", ["AfmEdge:Preview:Enabled"] = "false" })
            .Build();
        using var host = AfmEdgeHost.Build(configuration);

        await RunToCompletionAsync(host);

        // Nothing subscribes, so the broker keeps no chunk: the publisher was each frame's only reader.
        Assert.Equal(4, host.Services.GetRequiredService<PipelineMetrics>().Published);
        Assert.False(host.Services.GetRequiredService<PipelineChannels>().Previews.Reader.TryPeek(out _), "A frame waits in the preview queue.");
        var buffers = host.Services.GetRequiredService<EnhancedFrameBuffers>();
        Assert.Equal(0, buffers.Outstanding);
        Assert.True(buffers.Pool.RetainedBytes > 0, "No enhanced frame's arrays came back.");
    }

    [Fact]
    public async Task Run_StageRejectsAFrame_LogsCountsAndGoesOn()
    {
        var port = LoopbackPort.Reserve();
        var topics = new TopicScheme("test", "reject-" + Guid.NewGuid().ToString("N")[..8]);
        using var host = AfmEdgeHost.Build(Configuration(port, topics, "Embedded"), services =>
            services.AddSingleton<AfmEdge.Inference.IFrameEnhancer>(new FirstFrameFailsEnhancer()));

        await RunToCompletionAsync(host);

        var metrics = host.Services.GetRequiredService<PipelineMetrics>();
        Assert.Equal(1, metrics.Failed);
        Assert.Equal(Frames - 1, metrics.Published);
        Assert.Equal(1, FrameId.Parse(metrics.LastSummary!.FrameId).Sequence);
    }

    private sealed class FirstFrameFailsEnhancer : AfmEdge.Inference.IFrameEnhancer
    {
        private readonly AfmEdge.Inference.BicubicUpsampler _inner = new();

        public string Name => "fails-on-frame-0";

        public int Scale => 2;

        public Frame Enhance(Frame frame) =>
            frame.Id.Sequence == 0 ? throw new InvalidDataException("frame 0 is unreadable") : _inner.Enhance(frame);
    }

    internal static async Task RunToCompletionAsync(IHost host)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.StartAsync(timeout.Token);
        // Source:Frames = 2 and StopWhenSourceCompletes: the host stops itself once both are published.
        await host.WaitForShutdownAsync(timeout.Token);
        Assert.False(timeout.IsCancellationRequested, "The host did not stop by itself after publishing its frames.");
    }

    private static async Task AssertPublishedAsync(MqttProbe probe, IHost host)
    {
        await probe.WaitForAsync(p => p.Statuses.Contains(MqttPublisher.Offline) && p.Channels.Count >= Frames * 4 && p.Summaries.Count >= Frames && !p.Previews.IsEmpty, TimeSpan.FromSeconds(20));
        Assert.Empty(probe.Errors);

        // Status: online while running, offline last.
        var statuses = probe.Statuses.ToArray();
        Assert.Equal(MqttPublisher.Online, statuses[0]);
        Assert.Equal(MqttPublisher.Offline, statuses[^1]);

        // Frames: every channel reassembled (sha256 checked) and equal to an independent recomputation.
        var expected = await ExpectedPipeline.FramesAsync(Scan, new TestPatternOptions(), Frames);
        var byFrame = probe.Channels.GroupBy(c => c.FrameId).OrderBy(g => g.Key, StringComparer.Ordinal).ToArray();
        Assert.Equal(Frames, byFrame.Length);
        for (var f = 0; f < Frames; f++)
        {
            Assert.Equal(f, FrameId.Parse(byFrame[f].Key).Sequence);
            foreach (var channel in expected[f].Channels)
            {
                var received = Assert.Single(byFrame[f], c => c.Channel == channel.Descriptor.Key);
                Assert.Equal((2 * Pixels, 2 * Pixels), (received.Width, received.Height));
                Assert.Equal(channel.Unit.Symbol, received.Unit);
                Assert.Equal(channel.Data.ToArray(), received.Samples);
            }
        }

        // Summaries: valid against the published schema, one per frame, with the frame-wide correlations.
        var summaries = probe.Summaries.Select(json => SummaryJson.Deserialize(json)).ToArray();
        foreach (var json in probe.Summaries)
        {
            using var document = JsonDocument.Parse(json);
            Assert.Null(Schemas.Problems(Schemas.Summary, document.RootElement));
        }

        Assert.Equal(byFrame.Select(g => g.Key), summaries.Select(s => s.FrameId).Distinct().Order(StringComparer.Ordinal));
        var analyzer = new FrameAnalyzer(TimeProvider.System);
        var expectedCurrent = analyzer.Analyze(expected[0]).Correlations.Single(c => c.Channel == "Current").Pearson;
        var first = summaries.Single(s => s.FrameId == byFrame[0].Key);
        Assert.Equal(expectedCurrent, first.Correlations.Single(c => c.Channel == "Current").Pearson);
        Assert.Equal(["Current", "Potential", "Adhesion"], first.Correlations.Select(c => c.Channel));

        // Previews: PNGs of the enhanced height within the contract's size, at most one a second, the last one
        // showing the last frame (trailing-edge throttle).
        Assert.InRange(probe.Previews.Count, 1, Frames);
        var preview = probe.Previews.Last();
        Assert.True(preview.Length <= PreviewRenderer.MaxBytes);
        using (var image = SkiaSharp.SKBitmap.Decode(preview))
        {
            Assert.Equal((2 * Pixels, 2 * Pixels), (image.Width, image.Height));
        }

        var metrics = host.Services.GetRequiredService<PipelineMetrics>();
        Assert.Equal(Frames, metrics.Published);
        Assert.Equal(0, metrics.Failed);
    }

    internal static IConfiguration Configuration(int port, TopicScheme topics, string broker) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AfmEdge:Source:Kind"] = "TestPattern",
            ["AfmEdge:Source:Frames"] = Frames.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AfmEdge:Source:Pace"] = "false",
            ["AfmEdge:Source:Scan:Pixels"] = Pixels.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AfmEdge:Source:Scan:Size"] = "20 µm",
            ["AfmEdge:Mqtt:Broker"] = broker,
            ["AfmEdge:Mqtt:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AfmEdge:Mqtt:Site"] = topics.Site,
            ["AfmEdge:Mqtt:Device"] = topics.Device,
            ["AfmEdge:Mqtt:ReconnectMinMilliseconds"] = "50",
            ["AfmEdge:Enhancement:Engine"] = "native",
            ["AfmEdge:Enhancement:Threads"] = "2",
            ["AfmEdge:Enhancement:TileSize"] = "128",
        }).Build();

    internal static void InsertAfter<T>(IServiceCollection services, IHostedService service)
    {
        var index = services.ToList().FindIndex(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(T));
        Assert.True(index >= 0, $"{typeof(T).Name} is not registered.");
        services.Insert(index + 1, ServiceDescriptor.Singleton(service));
    }

    internal sealed class CallbackHostedService(Func<Task> onStart) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => onStart();

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
