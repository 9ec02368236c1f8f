using AfmEdge.Core;

namespace AfmEdge.Processing.Tests;

/// <summary>The chain's device hook, with a device that takes only some steps (no ILGPU needed).</summary>
public sealed class GridDeviceTests
{
    private const int W = 24, H = 16;

    [Fact]
    public void Apply_DeviceTakesSomeSteps_RunsThemThereRecordsEachStepAndGivesTheSameFrame()
    {
        var frame = Frame(nanInCurrent: false);
        var chain = ProcessingChain.ParseList("align-rows:median,level:plane,gauss:1.5,tip-dilate:20");
        var device = new NegatingDevice(typeof(GaussianFilter), typeof(PlaneLeveling));

        var onDevice = chain.Apply(frame, device);
        var onCpu = chain.Apply(frame);

        // The device negates what it computes: leveling negated, then a Gaussian of the negation negated back, gives
        // the CPU frame exactly (float negation is exact), while Calls shows both steps went to the device.
        Assert.Equal(4, device.Calls); // level:plane and gauss:1.5 on two channels
        Assert.Equal("align-rows:median=cpu; level:plane=negating; gauss:1.5=negating; tip-dilate:20=cpu", onDevice.Metadata[ProcessingChain.DevicesKey]);
        Assert.False(onCpu.Metadata.ContainsKey(ProcessingChain.DevicesKey));
        foreach (var channel in onCpu.Channels)
        {
            Assert.Equal(channel.Data.ToArray(), onDevice.GetChannel(channel.Name).Data.ToArray());
        }
    }

    [Fact]
    public void Apply_DeviceDeclinesMaskedChannel_RecordsDevicePerChannel()
    {
        var frame = Frame(nanInCurrent: true);
        var device = new NegatingDevice(typeof(PlaneLeveling)) { DeclineMasked = true };

        var result = ProcessingChain.ParseList("level:plane").Apply(frame, device);

        Assert.Equal("level:plane=negating for Height, cpu for Current", result.Metadata[ProcessingChain.DevicesKey]);
        var cpu = ProcessingChain.ParseList("level:plane").Apply(frame);
        Assert.Equal(cpu.GetChannel("Current").Data.ToArray(), result.GetChannel("Current").Data.ToArray());
        Assert.Equal(cpu.GetChannel("Height").Data.ToArray().Select(v => -v), result.GetChannel("Height").Data.ToArray());
    }

    [Fact]
    public void Apply_NoDevice_RecordsCpuForEveryStep()
    {
        var result = ProcessingChain.ParseList("align-rows:mean,zero-mean").Apply(Frame(nanInCurrent: false), device: null);
        Assert.Equal("align-rows:mean=cpu; zero-mean=cpu", result.Metadata[ProcessingChain.DevicesKey]);
    }

    [Fact]
    public void ApplyChannel_WithDevice_SaysWhichDeviceRanEachStep()
    {
        var channel = Frame(nanInCurrent: false).GetChannel("Height");
        var chain = ProcessingChain.ParseList("level:plane,median:3");

        var result = chain.Apply(channel, new NegatingDevice(typeof(MedianFilter)), out var masked, out var devices);

        Assert.Equal(0, masked);
        Assert.Equal("level:plane=cpu; median:3=negating", devices);
        Assert.Equal(chain.Apply(channel, out _).Data.ToArray().Select(v => -v), result.Data.ToArray());
    }

    private static Frame Frame(bool nanInCurrent)
    {
        var height = TestData.Field(W, H, 7);
        var current = TestData.Field(W, H, 8);
        if (nanInCurrent)
        {
            current[30] = float.NaN;
        }

        var scan = new ScanSettings { SizeX = 1e-6, SizeY = 1e-6, PixelsX = W, PixelsY = H, LineRateHz = 1 };
        return new Frame(new FrameId(DateTimeOffset.UnixEpoch, 0), scan,
        [
            new Channel(new ChannelDescriptor("Height", PhysicalUnit.Metre), W, H, height),
            new Channel(new ChannelDescriptor("Current", PhysicalUnit.Ampere), W, H, current),
        ]);
    }

    /// <summary>Runs the step types it is given with the SIMD code and negates the result, so its work is visible.</summary>
    private sealed class NegatingDevice(params Type[] steps) : IGridDevice
    {
        private int _calls;

        public string Name => "negating";

        public bool DeclineMasked { get; init; }

        public int Calls => _calls;

        public bool TryRun(GridOperation operation, ReadOnlySpan<float> input, Span<float> output, int width, int height, byte[]? exclude)
        {
            if (!steps.Contains(operation.GetType()) || (DeclineMasked && exclude is not null))
            {
                return false;
            }

            operation.Run(input, output, width, height, exclude);
            for (var i = 0; i < output.Length; i++)
            {
                output[i] = -output[i];
            }

            Interlocked.Increment(ref _calls);
            return true;
        }
    }
}
