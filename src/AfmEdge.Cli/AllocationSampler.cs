using System.Diagnostics.Tracing;
using System.Globalization;

namespace AfmEdge.Cli;

/// <summary>
/// What the process allocates, by type, from the runtime's own sampling: the GC raises an AllocationTick event each
/// time about 100 KB more has been allocated (on the small object heap, and separately on the large and pinned ones),
/// naming the type of the object that crossed the mark and the amount allocated since the previous event. Summed by
/// type, the amounts estimate who allocates what; a large-heap array over 100 KB triggers an event of its own, so those
/// are counted nearly exactly. Objects over 85 000 bytes are keyed by their size too (an array's size says which buffer
/// it is). The events arrive on the listener's own thread, after a short delay, so the window is set by their
/// timestamps: <see cref="Start"/> and <see cref="StopAsync"/>, which waits for the late ones.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    // Objects from this size up are listed by size as well: the runtime's large-object threshold by default (the CLI raises
    // it, so frame-sized arrays are allocated on the small object heap).
    private const long BigObjectBytes = 85_000;

    private readonly Dictionary<string, (long Bytes, long Events)> _byType = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private DateTime _from = DateTime.MaxValue;
    private DateTime _until = DateTime.MaxValue;

    /// <summary>Counts the allocations from now on (earlier ones, e.g. start-up's, are left out).</summary>
    public void Start()
    {
        lock (_gate)
        {
            _byType.Clear();
            (_from, _until) = (DateTime.UtcNow, DateTime.MaxValue);
        }
    }

    /// <summary>Counts no allocation made after now; returns once the events still on their way have come in.</summary>
    public async Task StopAsync()
    {
        lock (_gate)
        {
            _until = DateTime.UtcNow;
        }

        // The runtime hands its events to listeners in batches, about every 100 ms.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
    }

    /// <summary>The <paramref name="count"/> types (with the heap, and the size for large objects) that allocated the most, largest first.</summary>
    public IReadOnlyList<(string Type, long Bytes, long Events)> Top(int count)
    {
        lock (_gate)
        {
            return [.. _byType.OrderByDescending(p => p.Value.Bytes).Take(count).Select(p => (p.Key, p.Value.Bytes, p.Value.Events))];
        }
    }

    /// <summary>All the bytes the events accounted for.</summary>
    public long TotalBytes
    {
        get
        {
            lock (_gate)
            {
                return _byType.Values.Sum(v => v.Bytes);
            }
        }
    }

    /// <summary>The table, MiB per frame, for <paramref name="frames"/> frames counted.</summary>
    public void Write(TextWriter output, long frames, int count = 10)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frames);
        var total = TotalBytes;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"allocations over {frames} frames (sampled about every 100 KB): {total / (double)(1 << 20) / frames:F2} MiB per frame; the top {count}:"));
        foreach (var (type, bytes, events) in Top(count))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {bytes / (double)(1 << 20) / frames,8:F3} MiB/frame {100.0 * bytes / Math.Max(1, total),5:F1} %  {events,6} samples  {type}"));
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == RuntimeSource)
        {
            // Verbose on the GC keyword is what turns AllocationTick on.
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.Payload is not { } payload)
        {
            return;
        }

        var amount = Field(eventData, payload, "AllocationAmount64") is ulong wide ? (long)wide : Convert.ToInt64(Field(eventData, payload, "AllocationAmount"), CultureInfo.InvariantCulture);
        var type = Field(eventData, payload, "TypeName") as string is { Length: > 0 } typeName ? typeName : "(unnamed)";
        var kind = Convert.ToInt32(Field(eventData, payload, "AllocationKind") ?? 0, CultureInfo.InvariantCulture);
        var size = Convert.ToInt64(Field(eventData, payload, "ObjectSize") ?? 0L, CultureInfo.InvariantCulture);
        var heap = kind switch { 0 => string.Empty, 1 => ", large object heap", _ => ", pinned object heap" };
        // A big object is nearly always the one that crosses the sampling mark, and its size says which buffer it is.
        var key = size >= BigObjectBytes || kind != 0
            ? string.Create(CultureInfo.InvariantCulture, $"{type} of {size / 1024.0:F0} KiB{heap}")
            : type;
        lock (_gate)
        {
            var at = eventData.TimeStamp.ToUniversalTime();
            if (at < _from || at > _until)
            {
                return;
            }

            var (bytes, events) = _byType.GetValueOrDefault(key);
            _byType[key] = (bytes + amount, events + 1);
        }
    }

    private static object? Field(EventWrittenEventArgs eventData, System.Collections.ObjectModel.ReadOnlyCollection<object?> payload, string name)
    {
        var index = eventData.PayloadNames?.IndexOf(name) ?? -1;
        return index >= 0 ? payload[index] : null;
    }
}
