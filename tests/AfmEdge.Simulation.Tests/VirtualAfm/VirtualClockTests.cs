using AfmEdge.Simulation.VirtualAfm;

namespace AfmEdge.Simulation.Tests.VirtualAfm;

public sealed class VirtualClockTests
{
    [Fact]
    public void GetTimestamp_EachRead_AdvancesByTickPerRead()
    {
        var clock = new VirtualClock(tickPerRead: TimeSpan.FromTicks(3));
        long a = clock.GetTimestamp();
        long b = clock.GetTimestamp();
        Assert.Equal(3, b - a);
        Assert.Equal(TimeSpan.TicksPerSecond, clock.TimestampFrequency);
    }

    [Fact]
    public void AdvanceTo_DueTimers_FireInDueOrder()
    {
        var clock = new VirtualClock(tickPerRead: TimeSpan.Zero);
        var fired = new List<string>();
        using var late = clock.CreateTimer(_ => fired.Add("late"), null, TimeSpan.FromMilliseconds(2), Timeout.InfiniteTimeSpan);
        using var early = clock.CreateTimer(_ => fired.Add("early"), null, TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromMicroseconds(500));
        Assert.Empty(fired);
        clock.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal(["early", "late"], fired);
    }

    [Fact]
    public void Advance_PeriodicTimer_FiresOncePerPeriod()
    {
        var clock = new VirtualClock(tickPerRead: TimeSpan.Zero);
        int count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1));
        clock.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(10, count);
    }

    [Fact]
    public void Dispose_Timer_NeverFires()
    {
        var clock = new VirtualClock();
        bool fired = false;
        var timer = clock.CreateTimer(_ => fired = true, null, TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
        timer.Dispose();
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(fired);
    }

    [Fact]
    public void AdvanceTo_Past_DoesNotGoBack()
    {
        var clock = new VirtualClock(tickPerRead: TimeSpan.Zero);
        clock.Advance(TimeSpan.FromSeconds(1));
        clock.AdvanceTo(5);
        Assert.Equal(TimeSpan.FromSeconds(1), clock.Elapsed);
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.Advance(TimeSpan.FromTicks(-1)));
    }
}
