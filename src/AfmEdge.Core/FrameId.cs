using System.Globalization;

namespace AfmEdge.Core;

/// <summary>
/// A frame's identity: the acquisition time (UTC, to the millisecond) and a sequence number within the
/// run, e.g. "20261125T101530123Z-000042". Sortable, readable in a topic, unique per device.
/// </summary>
public readonly record struct FrameId(DateTimeOffset AcquiredAt, long Sequence)
{
    private const string TimeFormat = "yyyyMMdd'T'HHmmssfff'Z'";

    public override string ToString() =>
        AcquiredAt.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture) + "-" + Sequence.ToString("D6", CultureInfo.InvariantCulture);

    public static FrameId Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var dash = text.LastIndexOf('-');
        if (dash < 0
            || !DateTime.TryParseExact(text.AsSpan(0, dash), TimeFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time)
            || !long.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            throw new FormatException($"'{text}' is not a frame id like 20261125T101530123Z-000042.");
        }

        return new FrameId(new DateTimeOffset(time, TimeSpan.Zero), sequence);
    }
}
