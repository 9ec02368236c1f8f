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
}
