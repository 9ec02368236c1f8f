using System.Runtime.InteropServices;
using AfmEdge.Inference;
using AfmEdge.Inference.Network;
using ILGPU;
using ILGPU.Runtime;

namespace AfmEdge.Kernels;

/// <summary>
/// The enhancer on an ILGPU accelerator (a CUDA or OpenCL GPU on boards that have one): weights uploaded once,
/// device buffers sized for the largest tile at construction, each layer one <see cref="ConvolutionKernels"/> launch,
/// then one launch for the bicubic skip with DepthToSpace. It lives here rather than in AfmEdge.Inference so that
/// Inference (and every host without a GPU) does not depend on ILGPU; the dependency points Kernels → Inference → Core.
/// </summary>
public sealed class IlgpuEngine : IEnhancementEngine
{
    private readonly ConvolutionKernels _kernels;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _input;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _ping;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _pong;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _output;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _mean;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _std;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _sources;
    private readonly (MemoryBuffer1D<float, Stride1D.Dense> Weights, MemoryBuffer1D<float, Stride1D.Dense> Bias)[] _layers;
    private readonly int _maxWidth;
    private readonly int _maxHeight;

    public IlgpuEngine(EnhancerNetwork network, KernelAccelerator accelerator, int maxTileWidth, int maxTileHeight)
        : this(network, (accelerator ?? throw new ArgumentNullException(nameof(accelerator))).Accelerator, accelerator.Name, maxTileWidth, maxTileHeight)
    {
    }

    public IlgpuEngine(EnhancerNetwork network, EnhancementAccelerator accelerator, int maxTileWidth, int maxTileHeight)
        : this(network, (accelerator ?? throw new ArgumentNullException(nameof(accelerator))).Accelerator, accelerator.Name, maxTileWidth, maxTileHeight)
    {
    }

    private IlgpuEngine(EnhancerNetwork network, Accelerator device, string deviceName, int maxTileWidth, int maxTileHeight)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTileWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTileHeight, 1);
        Network = network;
        DeviceName = deviceName;
        _maxWidth = maxTileWidth;
        _maxHeight = maxTileHeight;
        _kernels = new ConvolutionKernels(device);
        long plane = (long)maxTileWidth * maxTileHeight;
        var widest = Math.Max(network.InputChannels.Count, network.Layers.Max(l => l.OutChannels));
        _input = device.Allocate1D<float>(network.InputChannels.Count * plane);
        _ping = device.Allocate1D<float>(widest * plane);
        _pong = device.Allocate1D<float>(widest * plane);
        _output = device.Allocate1D<float>(network.OutputChannels.Count * 4 * plane);
        _mean = device.Allocate1D(network.Mean);
        _std = device.Allocate1D(network.Std);
        _sources = device.Allocate1D(network.OutputSourceIndex.ToArray());
        _layers = [.. network.Layers.Select(l => (device.Allocate1D(l.Weights), device.Allocate1D(l.Bias)))];
    }

    public string Name => "ilgpu";

    /// <summary>The accelerator's name, e.g. "Cuda NVIDIA H100" or "cuda NVIDIA H100" (as the setting that chose it spells the backend).</summary>
    public string DeviceName { get; }

    public EnhancerNetwork Network { get; }

    public void Run(ReadOnlySpan<float> input, int width, int height, Span<float> output)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, _maxWidth);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, _maxHeight);
        var plane = width * height;
        var channels = Network.InputChannels.Count;
        var outputs = Network.OutputChannels.Count;
        if (input.Length != channels * plane || output.Length != outputs * 4 * plane)
        {
            throw new ArgumentException($"A {width}×{height} tile takes {channels * plane} input and {outputs * 4 * plane} output floats.");
        }

        // A CUDA context is current per thread, and the host's stage runs each frame on whichever pool thread is free.
        _kernels.Accelerator.Bind();
        var inputView = _input.View.SubView(0, channels * plane);
        inputView.CopyFromCPU(ref MemoryMarshal.GetReference(input), input.Length);
        _kernels.Normalise(inputView, _ping.View.SubView(0, channels * plane), _mean.View, _std.View, plane);
        var (source, target) = (_ping, _pong);
        for (var l = 0; l < _layers.Length; l++)
        {
            var layer = Network.Layers[l];
            var shape = new ConvolutionShape(layer.InChannels, layer.OutChannels, width, height, layer.Activation == Activation.LeakyRelu ? 1 : 0, layer.NegativeSlope);
            _kernels.Convolve(source.View, _layers[l].Weights.View, _layers[l].Bias.View, target.View, shape);
            (source, target) = (target, source);
        }

        var outputView = _output.View.SubView(0, output.Length);
        _kernels.UpsampleAndAdd(inputView, source.View, _std.View, _sources.View, outputView, width, height);
        _kernels.Accelerator.Synchronize();
        outputView.CopyToCPU(ref MemoryMarshal.GetReference(output), output.Length);
    }

    public void Dispose()
    {
        foreach (var (weights, bias) in _layers)
        {
            weights.Dispose();
            bias.Dispose();
        }

        _sources.Dispose();
        _std.Dispose();
        _mean.Dispose();
        _output.Dispose();
        _pong.Dispose();
        _ping.Dispose();
        _input.Dispose();
    }
}
