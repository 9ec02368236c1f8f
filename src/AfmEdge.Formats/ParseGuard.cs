using System.Text;

namespace AfmEdge.Formats;

/// <summary>
/// The last line of defence behind the explicit checks: a corrupt file that slips past them and trips a
/// runtime or constructor check still reaches the caller as an <see cref="AfmFormatException"/>, so
/// callers only ever handle one exception type for bad input.
/// </summary>
internal static class ParseGuard
{
    public static T Run<T>(string fileName, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException or OverflowException or InvalidCastException
                                       or FormatException or InvalidOperationException or DecoderFallbackException or KeyNotFoundException)
        {
            throw new AfmFormatException(fileName, "structure", $"the file is internally inconsistent ({ex.GetType().Name}: {ex.Message})", ex);
        }
    }
}
