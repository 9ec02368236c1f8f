using System.Net;
using AfmEdge.Analysis;
using AfmEdge.Analysis.Plots;
using AfmEdge.Core;
using AfmEdge.EndToEnd.Tests.Support;
using AfmEdge.Host;
using AfmEdge.Host.Options;
using AfmEdge.Host.Pipeline;
using AfmEdge.Messaging;
using AfmEdge.Simulation.TestPattern;
using AfmEdge.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using static AfmEdge.EndToEnd.Tests.HostEndToEndTests;

namespace AfmEdge.EndToEnd.Tests;

/// <summary>The analysis plots on plots/{name}: what arrives, retained, how often, and what happens when they are off or fail.</summary>
public sealed class PlotsTests
{
    private const int Frames = 2;
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly string[] TestPatternPlots =
    [
        "labels", "local-correlation-Current", "scatter-Current", "local-correlation-Potential", "scatter-Potential",
        "local-correlation-Adhesion", "scatter-Adhesion",
    ];

    [Fact]
    public async Task Run_Plots_LateSubscriberGetsEveryPlotOfTheLastFrameRetained()
    {
        var port = LoopbackPort.Reserve();
        var topics = new TopicScheme("test", "plots-" + Guid.NewGuid().ToString("N")[..8]);
        MqttProbe? early = null;
        using var host = AfmEdgeHost.Build(With(Configuration(port, topics, "Embedded"), ("AfmEdge:Pipeline:StopWhenSourceCompletes", "false")),
            services => InsertAfter<EmbeddedBrokerService>(services, new CallbackHostedService(async () => early = await MqttProbe.ConnectAsync(port, topics))));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.StartAsync(timeout.Token);
        try
        {
            await using (early)
            {
                // The last frame's plots come out after its summary (the throttle's trailing edge).
                await early!.WaitForAsync(p => p.Summaries.Count >= Frames && LastFrameId(p) is { } last
                    && p.Plots.Count(plot => plot.Properties["frameId"] == last) >= TestPatternPlots.Length, TimeSpan.FromSeconds(30));
            }

            var lastFrame = host.Services.GetRequiredService<PipelineMetrics>().LastSummary!.FrameId;
            await using var late = await MqttProbe.ConnectAsync(port, topics, topics.AllPlots);
            await late.WaitForAsync(p => p.Plots.Count >= TestPatternPlots.Length, TimeSpan.FromSeconds(10));

            var plots = late.Plots.ToArray();
            Assert.Equal(TestPatternPlots.Select(topics.Plot).Order(StringComparer.Ordinal), plots.Select(p => p.Topic).Order(StringComparer.Ordinal));
            Assert.All(plots, plot =>
            {
                var name = plot.Topic[(plot.Topic.LastIndexOf('/') + 1)..];
                Assert.True(plot.Retain, $"{plot.Topic} was not retained.");
                Assert.Equal("image/png", plot.ContentType);
                Assert.Equal(lastFrame, plot.Properties["frameId"]);
                Assert.Equal(name, plot.Properties["plot"]);
                Assert.False(string.IsNullOrWhiteSpace(plot.Properties["title"]));
                Assert.Equal(name == "labels" ? null : name[(name.LastIndexOf('-') + 1)..], plot.Properties.GetValueOrDefault("channel"));
                Assert.Equal(PngSignature, plot.Png.AsSpan(0, 8).ToArray());
                Assert.InRange(plot.Png.Length, 1, PlotsOptions.MaxBytes);
                using var image = SkiaSharp.SKBitmap.Decode(plot.Png);
                Assert.NotNull(image);
                Assert.InRange(Math.Max(image.Width, image.Height), 1, new PlotsOptions().MaxSide);
            });
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Run_PlotsDisabled_PublishesNoPlotAndHandsEveryFrameBack()
    {
        var port = LoopbackPort.Reserve();
        var topics = new TopicScheme("test", "noplots-" + Guid.NewGuid().ToString("N")[..8]);
        MqttProbe? probe = null;
        // Only summaries and plots are subscribed to, so the frames' arrays come back once every reader is done.
        using var host = AfmEdgeHost.Build(With(Configuration(port, topics, "Embedded"), ("AfmEdge:Plots:Enabled", "false")),
            services => InsertAfter<EmbeddedBrokerService>(services, new CallbackHostedService(async () => probe = await MqttProbe.ConnectAsync(port, topics, topics.Summary, topics.Preview, topics.AllPlots))));

        await RunToCompletionAsync(host);
        await using (probe)
        {
            await probe!.WaitForAsync(p => p.Summaries.Count >= Frames && !p.Previews.IsEmpty, TimeSpan.FromSeconds(20));
            Assert.Empty(probe.Plots);
        }

        Assert.Equal(Frames, host.Services.GetRequiredService<PipelineMetrics>().Published);
        Assert.Equal(0, host.Services.GetRequiredService<EnhancedFrameBuffers>().Outstanding);
    }

    [Fact]
    public async Task Run_PlotRenderingFails_LogsAndPublishesEveryFrameAndSummary()
    {
        var port = LoopbackPort.Reserve();
        var topics = new TopicScheme("test", "badplots-" + Guid.NewGuid().ToString("N")[..8]);
        var log = new CapturingLogger<PlotsStage>();
        MqttProbe? probe = null;
        using var host = AfmEdgeHost.Build(Configuration(port, topics, "Embedded"), services =>
        {
            services.AddSingleton<IAnalysisPlotter>(new FailingPlotter());
            services.AddSingleton<ILogger<PlotsStage>>(log);
            InsertAfter<EmbeddedBrokerService>(services, new CallbackHostedService(async () => probe = await MqttProbe.ConnectAsync(port, topics, topics.Summary, topics.AllPlots)));
        });

        await RunToCompletionAsync(host);
        await using (probe)
        {
            await probe!.WaitForAsync(p => p.Summaries.Count >= Frames, TimeSpan.FromSeconds(20));
            Assert.Empty(probe.Plots);
        }

        var metrics = host.Services.GetRequiredService<PipelineMetrics>();
        Assert.Equal(Frames, metrics.Published);
        Assert.Equal(0, metrics.Failed);
        Assert.Contains(log.Lines, line => line.Contains("rendering failed", StringComparison.Ordinal));
        // The analysis and frame of a plot that failed are handed back all the same.
        Assert.Equal(0, host.Services.GetRequiredService<EnhancedFrameBuffers>().Outstanding);
    }

    [Fact]
    public async Task Stage_FakeTime_PublishesTheNewestAnalysisAtMostOncePerInterval()
    {
        var port = LoopbackPort.Reserve();
        var time = new FakeTimeProvider();
        var options = new AfmEdgeOptions { Mqtt = { Port = port, Site = "test", Device = "rate-" + Guid.NewGuid().ToString("N")[..8] } };
        await using var broker = new EmbeddedBroker(IPAddress.Loopback, port, TimeProvider.System, NullLogger<EmbeddedBroker>.Instance);
        await broker.StartAsync();
        await using var publisher = new MqttPublisher(options.Mqtt, TimeProvider.System, NullLogger<MqttPublisher>.Instance, broker);
        using var connection = new CancellationTokenSource();
        var connectionLoop = publisher.RunAsync(connection.Token);
        await using var probe = await MqttProbe.ConnectAsync(port, publisher.Topics, publisher.Topics.AllPlots);

        var buffers = new EnhancedFrameBuffers();
        var channels = new PipelineChannels(options.Pipeline, buffers.Release, plot => plot.Release(buffers));
        var wrapped = Microsoft.Extensions.Options.Options.Create(options);
        using var stage = new PlotsStage(channels, publisher, buffers, new AnalysisPlotter(wrapped), wrapped, time, NullLogger<PlotsStage>.Instance);
        var frames = await ExpectedPipeline.FramesAsync(Scan, new TestPatternOptions(), 4);
        var analyzer = new ChromosomeAnalyzer();
        PlotRequest Offer(Frame frame)
        {
            buffers.Share(frame, 1);
            var request = new PlotRequest(frame, analyzer.Analyze(frame));
            Assert.True(channels.Plots.Writer.TryWrite(request));
            return request;
        }

        string[] FramesPlotted() => [.. probe.Plots.Select(p => p.Properties["frameId"]).Distinct()];
        int PlotsOf(Frame frame) => probe.Plots.Count(p => p.Properties["frameId"] == frame.Id.ToString());

        await stage.StartAsync(CancellationToken.None);
        try
        {
            // The first analysis goes out at once.
            Offer(frames[0]);
            await probe.WaitForAsync(_ => PlotsOf(frames[0]) == TestPatternPlots.Length, TimeSpan.FromSeconds(20));

            // Two more within the interval: nothing until it has passed, then only the newer. (The fake clock stands still
            // until advanced, so the first publish is stamped at its start however long the stage took.)
            Offer(frames[1]);
            Offer(frames[2]);
            await Task.Delay(300, TestContext.Current.CancellationToken);
            time.Advance(TimeSpan.FromSeconds(1.9));
            await Task.Delay(300, TestContext.Current.CancellationToken);
            Assert.Equal([frames[0].Id.ToString()], FramesPlotted());

            time.Advance(TimeSpan.FromSeconds(0.1));
            await probe.WaitForAsync(_ => PlotsOf(frames[2]) == TestPatternPlots.Length, TimeSpan.FromSeconds(20));
            Assert.Equal(0, PlotsOf(frames[1]));

            // The last one is published too once its interval is out (the queue completed: a finite scan's end), and the
            // stage then says it is flushed.
            Offer(frames[3]);
            channels.Plots.Writer.Complete();
            for (var step = 0; step < 400 && !channels.PlotsFlushed.Task.IsCompleted; step++)
            {
                time.Advance(TimeSpan.FromSeconds(0.25));
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }

            Assert.True(channels.PlotsFlushed.Task.IsCompleted, "The plots stage did not finish its completed queue.");
            await probe.WaitForAsync(_ => PlotsOf(frames[3]) == TestPatternPlots.Length, TimeSpan.FromSeconds(20));
            // Frames 0, 2 and 3: each plot once.
            Assert.Equal(3 * TestPatternPlots.Length, probe.Plots.Count);

            // Every frame, the skipped one included, was handed back.
            Assert.Equal(0, buffers.Outstanding);
        }
        finally
        {
            await stage.StopAsync(CancellationToken.None);
            await connection.CancelAsync();
            await connectionLoop;
        }
    }

    [Fact]
    public async Task LowPriority_OnLinux_RunsTheWorkAtNice19AndPassesItsResultAndErrors()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Thread nice values are Linux's.");
        var (nice, thread) = await LowPriority.RunAsync(() => (ThreadNice(), Environment.CurrentManagedThreadId), "test-low");
        Assert.Equal(LowPriority.LinuxNice, nice);
        Assert.NotEqual(Environment.CurrentManagedThreadId, thread);
        // The caller's own priority is left as it was.
        Assert.True(ThreadNice() < LowPriority.LinuxNice);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => LowPriority.RunAsync<int>(() => throw new InvalidOperationException("no font"), "test-low"));
        Assert.Equal("no font", failure.Message);
    }

    /// <summary>The calling thread's nice value: field 19 of /proc/thread-self/stat (fields counted after the command's closing parenthesis).</summary>
    private static int ThreadNice()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[19 - 3], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string? LastFrameId(MqttProbe probe) =>
        probe.Summaries.Select(json => SummaryJson.Deserialize(json).FrameId).Order(StringComparer.Ordinal).LastOrDefault();

    private static IConfiguration With(IConfiguration configuration, params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddConfiguration(configuration)
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    private sealed class FailingPlotter : IAnalysisPlotter
    {
        public IReadOnlyList<AnalysisPlot> Render(ChromosomeAnalysis analysis) => throw new InvalidOperationException("no font");
    }
}
