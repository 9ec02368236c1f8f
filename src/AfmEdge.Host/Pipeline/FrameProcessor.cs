using System.Runtime.InteropServices;
using AfmEdge.Core;
using AfmEdge.Host.Options;
using AfmEdge.Kernels;
using AfmEdge.Processing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AfmEdge.Host.Pipeline;

/// <summary>
/// The processing stage's work: the configured chain, each grid step on the configured accelerator
/// (AfmEdge:Processing:Accelerator) where a kernel exists and on the SIMD code otherwise. The accelerator is opened,
/// its kernels loaded, once; the choice is logged once; <see cref="Dispose"/> frees it when the host stops.
/// </summary>
/// <remarks>
/// The chain's arrays come from a <see cref="ChannelBufferPool"/> kept for the current frame size: each step's
/// intermediate result goes back to it at once, and <see cref="ProcessAndRecycle"/> adds the consumed frame's arrays,
/// which the next frame's results are written into. A fresh 1 MB array is mapped page by page on first touch, which on
/// a virtual machine cost more than the steps themselves (`afmedge bench process` shows the faults per run).
/// </remarks>
public sealed partial class FrameProcessor : IDisposable
{
    // At most two frames' worth of eight 1024² channels: the results being made and the consumed frame's arrays.
    private const long MaxPooledBytes = 64L << 20;

    private readonly ProcessingChain _chain;
    private readonly AcceleratorGridDevice? _device;
    private readonly Lock _gate = new();
    private ChannelBufferPool _buffers = new(MaxPooledBytes);
    private int _pooledLength;

    /// <exception cref="InvalidOperationException">"cuda" or "opencl" is configured and there is no such GPU; the message names the key.</exception>
    public FrameProcessor(ProcessingChain chain, IOptions<AfmEdgeOptions> options, ILogger<FrameProcessor> logger)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _chain = chain;
        var setting = options.Value.Processing.Accelerator;
        string choice;
        try
        {
            _device = ProcessingAccelerator.Open(setting, out choice);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"{AfmEdgeOptions.SectionName}:Processing:Accelerator = '{setting}': {e.Message}", e);
        }

        Device = _device?.Name ?? ProcessingChain.CpuDevice;
        LogAccelerator(logger, setting, choice);
    }

    /// <summary>Where grid steps with a kernel run: "cpu" or the accelerator, e.g. "cuda NVIDIA Orin", "ilgpu-cpu".</summary>
    public string Device { get; }

    /// <summary>
    /// The chain on <paramref name="frame"/>, which stays the caller's (never modified); metadata "processing.devices"
    /// says which device ran each step. The result's arrays are its own (shared with nothing) and stay valid for as long
    /// as anything reads it.
    /// </summary>
    public Frame Process(Frame frame) => _chain.Operations.Count == 0 ? frame : _chain.Apply(frame, _device, Buffers(frame));

    /// <summary>
    /// As <see cref="Process"/>, for a frame that nothing else holds or will read once this returns (the processing
    /// stage's input: the assembler hands each frame to it alone). Its arrays are kept for the results of the next
    /// frames of its size, so a steady stream of frames commits no new memory here. The returned frame shares none of
    /// them. With no steps configured the frame itself is returned and nothing is kept.
    /// </summary>
    public Frame ProcessAndRecycle(Frame frame)
    {
        if (_chain.Operations.Count == 0)
        {
            return frame;
        }

        var buffers = Buffers(frame);
        var result = _chain.Apply(frame, _device, buffers);
        buffers.Return(frame);
        return result;
    }

    /// <summary>
    /// The pool this processor keeps for frames of <paramref name="length"/> samples a channel: the frame assembler takes
    /// the scanned frames' arrays from it, and <see cref="Recycle"/> hands processed frames' arrays back to it.
    /// </summary>
    public ChannelBufferPool BuffersFor(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        return Buffers(length);
    }

    /// <summary>
    /// Takes back the arrays of a processed frame nothing reads any more (the enhancement stage's input once it is
    /// enhanced and offered to no one else), except those <paramref name="stillRead"/> shares: an enhancer may pass a
    /// channel on unchanged.
    /// </summary>
    public void Recycle(Frame done, Frame? stillRead)
    {
        ArgumentNullException.ThrowIfNull(done);
        ChannelBufferPool buffers;
        lock (_gate)
        {
            // A frame of another size than the scan's (a step that resamples) would only crowd the pool out.
            if (done.Width * done.Height != _pooledLength)
            {
                return;
            }

            buffers = _buffers;
        }

        foreach (var channel in done.Channels)
        {
            if (!SharesArray(stillRead, channel))
            {
                buffers.Return(channel);
            }
        }
    }

    private static bool SharesArray(Frame? frame, Channel channel)
    {
        if (frame is null || !MemoryMarshal.TryGetArray(channel.Memory, out var mine))
        {
            return false;
        }

        foreach (var other in frame.Channels)
        {
            if (MemoryMarshal.TryGetArray(other.Memory, out var theirs) && ReferenceEquals(theirs.Array, mine.Array))
            {
                return true;
            }
        }

        return false;
    }

    private ChannelBufferPool Buffers(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return Buffers(frame.Width * frame.Height);
    }

    // One pool per frame size: after the scan size changes, arrays of the old size would only fill it up.
    private ChannelBufferPool Buffers(int length)
    {
        lock (_gate)
        {
            if (length != _pooledLength)
            {
                (_buffers, _pooledLength) = (new ChannelBufferPool(MaxPooledBytes), length);
            }

            return _buffers;
        }
    }

    public void Dispose() => _device?.Dispose();

    [LoggerMessage(110, LogLevel.Information, "Processing accelerator ({Setting}): {Choice}")]
    private static partial void LogAccelerator(ILogger logger, string setting, string choice);
}
