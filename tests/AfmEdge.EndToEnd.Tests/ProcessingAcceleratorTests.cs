using System.Globalization;
using AfmEdge.Cli;
using AfmEdge.Core;
using AfmEdge.EndToEnd.Tests.Support;
using AfmEdge.Formats;
using AfmEdge.Formats.Gsf;
using AfmEdge.Host;
using AfmEdge.Host.Options;
using AfmEdge.Host.Pipeline;
using AfmEdge.Inference;
using AfmEdge.Kernels;
using AfmEdge.Processing;
using AfmEdge.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AfmEdge.EndToEnd.Tests;

/// <summary>
/// AfmEdge:Processing:Accelerator in the host's processing stage and --accelerator in the CLI. ILGPU's CPU accelerator
/// stands in for a GPU here (tiny grids: it is very slow); the GPU test runs under Category=Gpu and skips without one.
/// </summary>
public sealed class ProcessingAcceleratorTests
{
    // Kernel steps and one step without a kernel (tip dilation); a NaN pixel in Current makes its median row alignment
    // masked, which the kernel declines. No scar step: its threshold can flip on a float difference from earlier steps.
    private const string Steps = "align-rows:median,level:plane,median:3,gauss:1.5,zero-mean,tip-dilate:20";

    [Fact]
    public void Process_IlgpuCpu_GivesTheCpuFrameWithinKernelTolerance()
    {
        var frame = ScanFrame(20, 16, nanInCurrent: true);
        using var cpu = Processor(ProcessingAccelerator.Cpu, Steps);
        using var ilgpu = Processor(ProcessingAccelerator.IlgpuCpu, Steps);

        var expected = cpu.Process(frame);
        var actual = ilgpu.Process(frame);

        Assert.Equal(ProcessingAccelerator.IlgpuCpu, ilgpu.Device);
        foreach (var channel in expected.Channels)
        {
            AssertClose(channel.Data.ToArray(), actual.GetChannel(channel.Name).Data.ToArray());
        }

        Assert.Equal(
            "align-rows:median=ilgpu-cpu for Height, cpu for Current; level:plane=ilgpu-cpu; median:3=ilgpu-cpu; gauss:1.5=ilgpu-cpu; zero-mean=ilgpu-cpu; tip-dilate:20=cpu",
            actual.Metadata[ProcessingChain.DevicesKey]);
        Assert.Equal(
            "align-rows:median=cpu; level:plane=cpu; median:3=cpu; gauss:1.5=cpu; zero-mean=cpu; tip-dilate:20=cpu",
            expected.Metadata[ProcessingChain.DevicesKey]);
    }

    [Fact]
    public void Processor_AutoWithoutGpu_PicksCpuAndSaysWhyOnce()
    {
        SkipWhereThereIsAGpu(GpuBackend.Any);
        var logger = new CapturingLogger<FrameProcessor>();

        using var processor = new FrameProcessor(ProcessingChain.ParseList("level:plane"), Options(ProcessingAccelerator.Auto), logger);
        var processed = processor.Process(ScanFrame(12, 8, nanInCurrent: false));
        processor.Process(processed);

        Assert.Equal(ProcessingChain.CpuDevice, processor.Device);
        var line = Assert.Single(logger.Lines);
        Assert.Contains("Processing accelerator (auto): cpu (SIMD code): no CUDA or OpenCL", line, StringComparison.Ordinal);
        Assert.Equal("level:plane=cpu", processed.Metadata[ProcessingChain.DevicesKey]);
    }

    [Fact]
    public void Processor_CudaWithoutDevice_ThrowsNamingTheSettingAndWhy()
    {
        SkipWhereThereIsAGpu(GpuBackend.Cuda);

        var error = Assert.Throws<InvalidOperationException>(() =>
            new FrameProcessor(ProcessingChain.ParseList("level:plane"), Options(ProcessingAccelerator.Cuda), NullLogger<FrameProcessor>.Instance));

        Assert.StartsWith("AfmEdge:Processing:Accelerator = 'cuda': Processing accelerator 'cuda' is not available: no CUDA", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_CudaWithoutDevice_FailsAtStartAndStartsNothing()
    {
        SkipWhereThereIsAGpu(GpuBackend.Cuda);
        var port = LoopbackPort.Reserve();
        using var host = AfmEdgeHost.Build(HostConfiguration(port, ProcessingAccelerator.Cuda));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("AfmEdge:Processing:Accelerator = 'cuda'", error.Message, StringComparison.Ordinal);
        Assert.False(LoopbackPort.IsListening(port), "The embedded broker must not start when the processing accelerator is missing.");
    }

    [Fact]
    public async Task Host_UnknownAccelerator_FailsOptionsValidationOnStart()
    {
        using var host = AfmEdgeHost.Build(HostConfiguration(LoopbackPort.Reserve(), "gpu"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("AfmEdge:Processing:Accelerator = 'gpu': must be one of cpu, auto, cuda, opencl, ilgpu-cpu.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_IlgpuCpu_ProcessesOnItRecordsItAndFreesItWhenStopped()
    {
        var enhancer = new RecordingEnhancer();
        using var host = AfmEdgeHost.Build(HostConfiguration(LoopbackPort.Reserve(), ProcessingAccelerator.IlgpuCpu),
            services => services.AddSingleton<IFrameEnhancer>(enhancer));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        await host.StartAsync(timeout.Token);
        await host.WaitForShutdownAsync(timeout.Token);

        Assert.False(timeout.IsCancellationRequested, "The host did not stop by itself after publishing its frame.");
        Assert.Equal(1, host.Services.GetRequiredService<PipelineMetrics>().Published);
        var processed = Assert.Single(enhancer.Frames);
        Assert.Equal("align-rows:median=ilgpu-cpu; level:plane=ilgpu-cpu", processed.Metadata[ProcessingChain.DevicesKey]);
        var processor = host.Services.GetRequiredService<FrameProcessor>();
        Assert.Throws<ObjectDisposedException>(() => processor.Process(processed));
    }

    [Fact]
    public async Task ProcessCommand_IlgpuCpu_WritesTheCpuResultAndListsTheDevices()
    {
        const string ops = "align-rows:median,level:plane,gauss:1.5";
        var dir = Scratch.Folder("afmedge-process-ilgpu-").FullName;
        var (input, output) = (Path.Combine(dir, "in.gsf"), Path.Combine(dir, "out.gsf"));
        var channel = ScanFrame(16, 12, nanInCurrent: false).GetChannel("Height");
        GsfWriter.Write(input, channel, 1e-6, 1e-6, "Height");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = await AfmEdgeCli.InvokeAsync(["process", input, "--ops", ops, "--out", output, "--accelerator", "ilgpu-cpu"], stdout, stderr,
            TestContext.Current.CancellationToken);

        Assert.True(exit == ExitCodes.Ok, $"exit {exit}: {stderr}");
        Assert.Contains("accelerator: ilgpu-cpu (ILGPU's CPU accelerator)", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("devices: align-rows:median=ilgpu-cpu; level:plane=ilgpu-cpu; gauss:1.5=ilgpu-cpu", stdout.ToString(), StringComparison.Ordinal);
        AssertClose(ProcessingChain.ParseList(ops).Apply(channel, out _).Data.ToArray(), FrameImporter.Open(output).Channels[0].Data.ToArray());
    }

    [Theory]
    [InlineData("cuda", ExitCodes.RuntimeFailure, "Processing accelerator 'cuda' is not available")]
    [InlineData("vulkan", ExitCodes.BadUsageOrConfig, "--accelerator 'vulkan' is not one of cpu, auto, cuda, opencl, ilgpu-cpu")]
    public async Task ProcessCommand_AcceleratorUnavailableOrUnknown_FailsSayingWhy(string accelerator, int expectedExit, string expected)
    {
        if (accelerator == ProcessingAccelerator.Cuda)
        {
            SkipWhereThereIsAGpu(GpuBackend.Cuda);
        }

        var input = Path.Combine(Scratch.Folder("afmedge-process-acc-").FullName, "in.gsf");
        GsfWriter.Write(input, ScanFrame(8, 8, nanInCurrent: false).GetChannel("Height"), 1e-6, 1e-6, "Height");
        var stderr = new StringWriter();

        var exit = await AfmEdgeCli.InvokeAsync(["process", input, "--ops", "level:plane", "--accelerator", accelerator], new StringWriter(), stderr,
            TestContext.Current.CancellationToken);

        Assert.Equal(expectedExit, exit);
        Assert.Contains(expected, stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchProcess_CudaWithoutDevice_ExitsOneSayingSo()
    {
        SkipWhereThereIsAGpu(GpuBackend.Cuda);
        var stderr = new StringWriter();

        var exit = await AfmEdgeCli.InvokeAsync(["bench", "process", "--sizes", "16", "--no-gwyddion", "--accelerator", "cuda"], new StringWriter(), stderr,
            TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.RuntimeFailure, exit);
        Assert.Contains("afmedge bench process: Processing accelerator 'cuda' is not available", stderr.ToString(), StringComparison.Ordinal);
    }

    // ~20 s: every kernel launch on ILGPU's CPU accelerator costs milliseconds, even on 16² grids.
    [Trait("Category", "Slow")]
    [Fact]
    public async Task BenchProcess_IlgpuCpu_TimesTheGridStepsOnIt()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = await AfmEdgeCli.InvokeAsync(["bench", "process", "--sizes", "16", "--budget-ms", "1", "--no-gwyddion", "--accelerator", "ilgpu-cpu"], stdout, stderr,
            TestContext.Current.CancellationToken);

        Assert.True(exit == ExitCodes.Ok, stderr.ToString());
        var text = stdout.ToString();
        Assert.Contains("Accelerator (ilgpu-cpu): ilgpu-cpu", text, StringComparison.Ordinal);
        Assert.Contains("gauss:2", text, StringComparison.Ordinal);
        Assert.Contains("align-rows:median,level:plane,scars,register:probes", text, StringComparison.Ordinal);
    }

    [Trait("Category", "Gpu")]
    [Fact]
    public void Process_AutoOnGpu_RunsKernelStepsOnTheGpuWithinKernelTolerance()
    {
        if (!KernelAccelerator.TryCreateGpu(GpuBackend.Any, out var probe, out var reason))
        {
            Assert.Skip("No GPU accelerator: " + reason);
        }

        probe!.Dispose();
        var frame = ScanFrame(256, 192, nanInCurrent: true);
        using var cpu = Processor(ProcessingAccelerator.Cpu, Steps);
        using var gpu = Processor(ProcessingAccelerator.Auto, Steps);

        var expected = cpu.Process(frame);
        var actual = gpu.Process(frame);

        Assert.Matches("^(cuda|opencl) ", gpu.Device);
        Assert.Contains($"level:plane={gpu.Device};", actual.Metadata[ProcessingChain.DevicesKey], StringComparison.Ordinal);
        foreach (var channel in expected.Channels)
        {
            AssertClose(channel.Data.ToArray(), actual.GetChannel(channel.Name).Data.ToArray());
        }
    }

    private static FrameProcessor Processor(string accelerator, string steps) =>
        new(ProcessingChain.ParseList(steps), Options(accelerator), NullLogger<FrameProcessor>.Instance);

    private static IOptions<AfmEdgeOptions> Options(string accelerator) =>
        Microsoft.Extensions.Options.Options.Create(new AfmEdgeOptions { Processing = new ProcessingOptions { Accelerator = accelerator } });

    private static void SkipWhereThereIsAGpu(GpuBackend backend)
    {
        if (KernelAccelerator.TryCreateGpu(backend, out var gpu, out _))
        {
            var name = gpu!.Name;
            gpu.Dispose();
            Assert.Skip($"This machine has a GPU ({name}); the test is about one without.");
        }
    }

    /// <summary>The kernel tests' tolerance: |expected − actual| ≤ 1e-5 of the expected range + two float ulps; NaN where expected.</summary>
    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var finite = expected.Where(float.IsFinite).ToArray();
        var range = Math.Max(finite.Max() - finite.Min(), 1e-30f);
        for (var i = 0; i < expected.Length; i++)
        {
            if (!float.IsFinite(expected[i]))
            {
                Assert.True(float.IsNaN(actual[i]), $"[{i}] expected NaN, got {actual[i]}");
                continue;
            }

            var ulp = MathF.BitIncrement(Math.Abs(expected[i])) - Math.Abs(expected[i]);
            Assert.True(Math.Abs((double)expected[i] - actual[i]) <= (1e-5 * range) + (2 * ulp), $"[{i}] expected {expected[i]}, got {actual[i]} (range {range})");
        }
    }

    /// <summary>A scan-like frame (tilt, row steps, ripple, noise; metres and amperes), Height and Current.</summary>
    internal static Frame ScanFrame(int width, int height, bool nanInCurrent)
    {
        var random = new Random(width + height);
        float[] Field(double scale)
        {
            var data = new float[width * height];
            for (var y = 0; y < height; y++)
            {
                var step = random.NextDouble() * 3;
                for (var x = 0; x < width; x++)
                {
                    data[(y * width) + x] = (float)(scale * (100 + (0.1 * x) + (0.5 * y) + step + Math.Sin(x * 0.3) + random.NextDouble()));
                }
            }

            return data;
        }

        var current = Field(1e-12);
        if (nanInCurrent)
        {
            current[width + 3] = float.NaN;
        }

        var scan = new ScanSettings { SizeX = 1e-6, SizeY = 1e-6 * height / width, PixelsX = width, PixelsY = height, LineRateHz = 1 };
        return new Frame(new FrameId(DateTimeOffset.UnixEpoch, 0), scan,
        [
            new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), width, height, Field(1e-9)),
            new Channel(new ChannelDescriptor("Current", PhysicalUnit.Ampere), width, height, current),
        ]);
    }

    private static IConfiguration HostConfiguration(int port, string accelerator) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AfmEdge:Source:Kind"] = "TestPattern",
            ["AfmEdge:Source:Frames"] = "1",
            ["AfmEdge:Source:Pace"] = "false",
            ["AfmEdge:Source:Scan:Pixels"] = "16",
            ["AfmEdge:Source:Scan:Size"] = "20 µm",
            ["AfmEdge:Processing:Steps:0"] = "align-rows:median",
            ["AfmEdge:Processing:Steps:1"] = "level:plane",
            ["AfmEdge:Processing:Accelerator"] = accelerator,
            ["AfmEdge:Enhancement:Engine"] = "bicubic",
            ["AfmEdge:Mqtt:Broker"] = "Embedded",
            ["AfmEdge:Mqtt:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["AfmEdge:Mqtt:Site"] = "test",
            ["AfmEdge:Mqtt:Device"] = "accelerator-" + Guid.NewGuid().ToString("N")[..8],
            ["AfmEdge:Enhancement:WatchModels"] = "false",
        }).Build();

    /// <summary>Keeps each processed frame it is given (the processing stage's output) and enhances it bicubically.</summary>
    private sealed class RecordingEnhancer : IFrameEnhancer
    {
        private readonly BicubicUpsampler _inner = new();
        private readonly List<Frame> _frames = [];

        public string Name => "recording-bicubic";

        public int Scale => 2;

        public IReadOnlyList<Frame> Frames
        {
            get
            {
                lock (_frames)
                {
                    return [.. _frames];
                }
            }
        }

        public Frame Enhance(Frame frame)
        {
            lock (_frames)
            {
                _frames.Add(frame);
            }

            return _inner.Enhance(frame);
        }
    }
}
