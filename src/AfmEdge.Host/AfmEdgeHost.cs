using System.Net;
using AfmEdge.Analysis;
using AfmEdge.Control.Board;
using AfmEdge.Core;
using AfmEdge.Host.Enhancement;
using AfmEdge.Host.FineTuning;
using AfmEdge.Host.Options;
using AfmEdge.Host.Pipeline;
using AfmEdge.Host.Sources;
using AfmEdge.Inference;
using AfmEdge.Messaging;
using AfmEdge.Processing;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.TestPattern;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AfmEdge.Host;

/// <summary>
/// Composes the device: options, the scan source, the five stages joined by bounded queues, and MQTT.
/// <code>
/// source → Lines → FrameAssembly → Acquired → Processing → Processed → Enhancement → Enhanced → Analysis → Analysed → Publishing
/// </code>
/// The publisher offers each frame to the preview and each analysis to the plots, on drop-oldest queues off that path.
/// </summary>
public static class AfmEdgeHost
{
    /// <summary>
    /// Builds (does not start) the host. <paramref name="configure"/> lets tests and the CLI replace services,
    /// e.g. a FakeTimeProvider or a logging setup, after the defaults are registered.
    /// </summary>
    public static IHost Build(IConfiguration configuration, Action<IServiceCollection>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            Configuration = new ConfigurationManager(),
            DisableDefaults = true,
        });
        builder.Configuration.AddConfiguration(configuration);
        var services = builder.Services;
        services.AddLogging(logging => logging.AddConfiguration(configuration.GetSection("Logging")));
        services.AddSystemd();
        services.TryAddSingleton<Microsoft.Extensions.Hosting.Systemd.ISystemdNotifier, Microsoft.Extensions.Hosting.Systemd.SystemdNotifier>();
        services.AddSingleton(TimeProvider.System);

        services.AddOptions<AfmEdgeOptions>()
            .Bind(configuration.GetSection(AfmEdgeOptions.SectionName), o => o.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AfmEdgeOptions>, AfmEdgeOptionsValidator>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<AfmEdgeOptions>>().Value.Mqtt);

        services.AddSingleton<EnhancedFrameBuffers>();
        services.AddSingleton(sp =>
        {
            var buffers = sp.GetRequiredService<EnhancedFrameBuffers>();
            return new PipelineChannels(sp.GetRequiredService<IOptions<AfmEdgeOptions>>().Value.Pipeline, buffers.Release, plot => plot.Release(buffers));
        });
        services.AddSingleton<PipelineMetrics>();
        services.AddSingleton(BoardHardware.Platform);
        services.AddSingleton(SystemdWatchdogSettings.FromEnvironment());
        services.AddSingleton<IScanSource>(CreateSource);
        services.AddSingleton(sp => ProcessingChain.Parse(sp.GetRequiredService<IOptions<AfmEdgeOptions>>().Value.Processing.EffectiveSteps));
        services.AddSingleton<FrameProcessor>();
        services.AddSingleton<IlgpuEnhancement>();
        services.AddSingleton<IFrameEnhancer>(CreateEnhancer);
        services.AddSingleton<FineTuningFeed>();
        services.AddSingleton<FrameAnalyzer>();
        services.AddSingleton<IAnalysisPlotter, AnalysisPlotter>();
        // With the embedded broker the publisher hands data to it in-process (no loopback round trip).
        services.AddSingleton(sp =>
        {
            var mqtt = sp.GetRequiredService<MqttOptions>();
            return new MqttPublisher(mqtt, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<MqttPublisher>>(),
                mqtt.Broker == MqttBrokerMode.Embedded ? sp.GetRequiredService<EmbeddedBroker>() : null);
        });
        services.AddSingleton(sp =>
        {
            var mqtt = sp.GetRequiredService<MqttOptions>();
            return new EmbeddedBroker(IPAddress.Parse(mqtt.EmbeddedBindAddress), mqtt.Port, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<EmbeddedBroker>>());
        });

        // Registration order is start order; stop runs in reverse, so the broker outlives the publisher.
        services.AddHostedService<EmbeddedBrokerService>();
        services.AddHostedService<PublishingStage>();
        services.AddHostedService<PreviewStage>();
        services.AddHostedService<PlotsStage>();
        services.AddHostedService<AnalysisStage>();
        services.AddHostedService<EnhancementStage>();
        services.AddHostedService<ProcessingStage>();
        services.AddHostedService<FrameAssemblyStage>();
        services.AddHostedService<AcquisitionStage>();
        services.AddHostedService<SystemdWatchdogService>();
        services.AddHostedService<ModelFolderWatcher>();
        services.AddHostedService<FineTuningService>();

        configure?.Invoke(services);
        return builder.Build();
    }

    /// <summary>
    /// Bicubic when configured so; otherwise the model chooser over the bundled models (or the one configured),
    /// which falls back to bicubic, with an error in the log, when a model is missing or unusable. Engine "ilgpu" opens its
    /// accelerator here, when the host starts, and stops the start when there is none.
    /// </summary>
    private static IFrameEnhancer CreateEnhancer(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<AfmEdgeOptions>>().Value.Enhancement;
        var outputBuffers = services.GetRequiredService<EnhancedFrameBuffers>().Pool;
        if (options.Engine == "bicubic")
        {
            return new BicubicUpsampler { OutputBuffers = outputBuffers };
        }

        var (catalog, requested) = ModelCatalog.ForSetting(options.Model == "auto" ? null : options.Model, options.ResolvedModelDirectory);
        Func<ModelEntry, CnnFrameEnhancer> create = options.Engine == EnhancementOptions.Ilgpu
            ? services.GetRequiredService<IlgpuEnhancement>().CreateEnhancer
            : model => EngineFactory.CreateEnhancer(options.Engine, model, options.TileSize, options.EffectiveThreads);
        return new ModelSelectingEnhancer(catalog, requested, create, services.GetRequiredService<ILogger<ModelSelectingEnhancer>>())
        {
            OutputBuffers = outputBuffers,
            ProcessingSteps = services.GetRequiredService<ProcessingChain>().Steps,
        };
    }

    private static IScanSource CreateSource(IServiceProvider services)
    {
        var source = services.GetRequiredService<IOptions<AfmEdgeOptions>>().Value.Source;
        var scanned = CreateScanningSource(services, source);
        return source.RepeatAfter > 0
            ? new RepeatingScanSource(scanned, source.RepeatAfter, source.Pace, services.GetRequiredService<TimeProvider>())
            : scanned;
    }

    private static IScanSource CreateScanningSource(IServiceProvider services, SourceOptions source)
    {
        var time = services.GetRequiredService<TimeProvider>();
        var scan = source.Scan.ToSettings($"{AfmEdgeOptions.SectionName}:Source:Scan").Settings
            ?? throw new OptionsValidationException(AfmEdgeOptions.SectionName, typeof(AfmEdgeOptions), ["Source:Scan is invalid."]);
        return source.Kind switch
        {
            SourceKind.VirtualMicroscope when source.VirtualMicroscope.Loop == VirtualLoop.Ideal => new VirtualMicroscopeSource(source.VirtualMicroscope.ToOptions(scan, source.Pace), time),
            SourceKind.VirtualMicroscope => new ClosedLoopSource(scan, source.VirtualMicroscope.ToClosedLoopOptions(), source.Pace, source.VirtualMicroscope.IncludeRetrace, time, includeDeflection: source.VirtualMicroscope.IncludeDeflection),
            SourceKind.TestPattern => new TestPatternSource(scan, source.TestPattern, time, source.Pace),
            SourceKind.Board => OpenBoard(services, source.Board, scan),
            _ => throw new OptionsValidationException(AfmEdgeOptions.SectionName, typeof(AfmEdgeOptions), [$"Source:Kind {source.Kind} is unknown."]),
        };
    }

    // The options validator has already checked the board file, its wiring and the scan on it; opening can still fail (permissions, busy pins).
    private static BoardScanner OpenBoard(IServiceProvider services, BoardSourceOptions options, ScanSettings scan)
    {
        var hardware = services.GetRequiredService<BoardHardware>();
        var board = BoardConfiguration.Load(options.ConfigFile!, hardware.DeviceExists);
        return BoardScanner.Open(board, scan, hardware.OpenSpi, hardware.CreateGpioDriver?.Invoke(), hardware.Timing, hardware.DeviceExists, services.GetService<ILoggerFactory>());
    }
}
