using System.Runtime.InteropServices;
using AfmEdge.Core;
using AfmEdge.Host.Options;
using AfmEdge.Host.Pipeline;
using AfmEdge.Processing;
using Microsoft.Extensions.Logging.Abstractions;

namespace AfmEdge.EndToEnd.Tests;

/// <summary>The processing stage's reuse of channel arrays: results handed downstream stay valid, callers' frames stay theirs.</summary>
public sealed class FrameProcessorBufferTests
{
    private const string Steps = "align-rows:median,level:plane,scars,gauss:1";

    [Fact]
    public void ProcessAndRecycle_StreamOfFrames_EarlierResultsStayValidAndInputsAreReused()
    {
        using var processor = Processor();
        var frames = Enumerable.Range(0, 4).Select(i => ProcessingAcceleratorTests.ScanFrame(48, 40 + i, nanInCurrent: i == 1)).ToList();

        // Sizes 48×40 … 48×43: every frame a new size (a new pool); then the same size again, twice.
        frames.Add(ProcessingAcceleratorTests.ScanFrame(48, 40, nanInCurrent: false));
        frames.Add(ProcessingAcceleratorTests.ScanFrame(48, 40, nanInCurrent: true));
        var expected = frames.Select(f => ProcessingChain.ParseList(Steps).Apply(Copy(f), device: null)).ToList();
        var consumed = frames.Select(Arrays).ToList();

        var results = frames.Select(processor.ProcessAndRecycle).ToList();

        // Every result still holds its own samples after the frames after it were processed into recycled arrays.
        for (var i = 0; i < results.Count; i++)
        {
            Assert.Equal(Samples(expected[i]), Samples(results[i]));
            Assert.Equal(expected[i].Metadata["processing"], results[i].Metadata["processing"]);
        }

        // The last frame's results were written into arrays of the one before it (same size, handed back).
        Assert.Contains(Arrays(results[^1]), a => consumed[^2].Contains(a));
        Assert.Empty(Arrays(results[^1]).Intersect(Arrays(results[^2])));
    }

    [Fact]
    public void Process_CallersFrame_IsNeitherModifiedNorReused()
    {
        using var processor = Processor();
        var frame = ProcessingAcceleratorTests.ScanFrame(48, 40, nanInCurrent: true);
        var before = Samples(frame);

        var first = processor.Process(frame);
        var second = processor.Process(frame);
        var third = processor.ProcessAndRecycle(ProcessingAcceleratorTests.ScanFrame(48, 40, nanInCurrent: false));

        Assert.Equal(before, Samples(frame));
        Assert.Equal(Samples(first), Samples(second));
        Assert.DoesNotContain(Arrays(first).Concat(Arrays(second)).Concat(Arrays(third)), a => Arrays(frame).Contains(a));
    }

    [Fact]
    public void Recycle_EnhancedFrameSharesAChannel_OnlyTheOthersGoBackForTheAssembler()
    {
        using var processor = Processor();
        var processed = processor.ProcessAndRecycle(ProcessingAcceleratorTests.ScanFrame(48, 40, nanInCurrent: false));
        var pool = processor.BuffersFor(48 * 40);
        var before = pool.RetainedBytes;
        var passedOn = new Frame(processed.Id, processed.Scan, [processed.Channels[0]]);

        processor.Recycle(processed, passedOn);
        processor.Recycle(processed, passedOn);

        Assert.Equal(before + ((processed.Channels.Count - 1) * 48L * 40 * sizeof(float)), pool.RetainedBytes);
        var rented = Enumerable.Range(0, processed.Channels.Count - 1).Select(_ => pool.Rent(48 * 40)).ToList();
        Assert.DoesNotContain(rented, a => ReferenceEquals(a, Arrays(passedOn)[0]));
    }

    private static FrameProcessor Processor() =>
        new(ProcessingChain.ParseList(Steps), Microsoft.Extensions.Options.Options.Create(new AfmEdgeOptions()), NullLogger<FrameProcessor>.Instance);

    private static Frame Copy(Frame frame) =>
        new(frame.Id, frame.Scan, frame.Channels.Select(c => c.WithData(c.Width, c.Height, c.Data.ToArray())), frame.Metadata);

    private static float[][] Samples(Frame frame) => [.. frame.Channels.Select(c => c.Data.ToArray())];

    private static List<float[]> Arrays(Frame frame) =>
        [.. frame.Channels.Select(c => MemoryMarshal.TryGetArray(c.Memory, out var segment) ? segment.Array! : throw new InvalidOperationException("No array."))];
}
