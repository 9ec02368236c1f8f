namespace AfmEdge.Formats;

/// <summary>
/// A file is not a valid instance of the format it claims to be (truncated, inconsistent sizes, garbage
/// header). The message names the file, the field and what is wrong; nothing else escapes a parser for
/// corrupt input, so callers can catch this one type and report it.
/// </summary>
public sealed class AfmFormatException : Exception
{
    public AfmFormatException()
        : this("The file is not a valid AFM data file.")
    {
    }

    public AfmFormatException(string message)
        : base(message)
    {
        FileName = string.Empty;
        Field = string.Empty;
    }

    public AfmFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        FileName = string.Empty;
        Field = string.Empty;
    }

    public AfmFormatException(string fileName, string field, string problem, Exception? innerException = null)
        : base($"{fileName}: {field}: {problem}", innerException)
    {
        FileName = fileName;
        Field = field;
    }

    /// <summary>The file (or stream label) that was being read.</summary>
    public string FileName { get; }

    /// <summary>The header key, structure member or section that is wrong.</summary>
    public string Field { get; }
}
