namespace AfmEdge.Core.Tests;

public sealed class ScanLinePoolTests
{
    [Fact]
    public async Task Rent_AfterLinesReturnedOnOtherThreads_ReusesTheirBuffers()
    {
        const int Length = 1237; // a length no other test rents
        var rented = Enumerable.Range(0, 40).Select(_ => ScanLinePool.Rent(Length)).ToArray();

        // Consumers give lines back on whichever pool thread runs them.
        await Task.WhenAll(rented.Select(buffer => Task.Run(() => ScanLinePool.Return(buffer), TestContext.Current.CancellationToken)));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var again = Enumerable.Range(0, rented.Length).Select(_ => ScanLinePool.Rent(Length)).ToArray();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(rented.ToHashSet(ReferenceEqualityComparer.Instance).Count, again.Intersect(rented, ReferenceEqualityComparer.Instance).Count());
        // Only the two arrays the LINQ calls above allocate themselves, never a 1237-float buffer.
        Assert.True(allocated < Length * sizeof(float), $"{allocated} B allocated while renting buffers that were returned");
    }

    [Fact]
    public void Samples_OfARentedLine_AreItsChannelSlices()
    {
        var line = ScanLine.Rent(frameSequence: 1, lineIndex: 2, pixels: 3, channelCount: 2);
        line.Samples(1).Fill(7);
        line.Samples(0).Fill(5);

        Assert.Equal([5f, 5f, 5f], line.Samples(0).ToArray());
        Assert.Equal([7f, 7f, 7f], line.Samples(1).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => line.Samples(2));
        line.Return();
    }

    [Fact]
    public async Task WriteToAsync_WriterTakesIt_ReaderGetsTheLine_WriterClosed_BufferBackInThePool()
    {
        const int Pixels = 997; // a length no other test rents
        var queue = System.Threading.Channels.Channel.CreateUnbounded<ScanLine>();
        var taken = ScanLine.Rent(frameSequence: 4, lineIndex: 5, pixels: Pixels, channelCount: 1);
        taken.Samples(0).Fill(3);

        await taken.WriteToAsync(queue.Writer, TestContext.Current.CancellationToken);

        Assert.True(queue.Reader.TryRead(out var read));
        Assert.Equal((4L, 5), (read.FrameSequence, read.LineIndex));
        Assert.All(read.Samples(0).ToArray(), v => Assert.Equal(3f, v));
        read.Return();

        // A writer that no longer takes lines: the line's buffer goes back to the pool, and the next rent gets it.
        queue.Writer.Complete();
        var refused = ScanLine.Rent(frameSequence: 6, lineIndex: 0, pixels: Pixels, channelCount: 1);
        refused.Samples(0).Fill(9);
        await Assert.ThrowsAsync<System.Threading.Channels.ChannelClosedException>(() => refused.WriteToAsync(queue.Writer, TestContext.Current.CancellationToken).AsTask());
        Assert.All(ScanLinePool.Rent(Pixels), v => Assert.Equal(9f, v));
    }
}
