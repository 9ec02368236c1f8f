using System.Text.Json;
using System.Text.Json.Serialization;

namespace AfmEdge.Control.Board;

/// <summary>
/// Reads the top-level "Board" section of a device config file (beside the host's "AfmEdge" section,
/// which it leaves alone) and checks it before anything is opened or moved.
/// </summary>
public static class BoardConfiguration
{
    private static readonly JsonSerializerOptions Json = new()
    {
        // A misspelt key would otherwise silently leave a pin at "not wired".
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Loads and validates the board section of <paramref name="path"/>.</summary>
    /// <param name="path">Device config file.</param>
    /// <param name="deviceExists">Whether a device node exists (default: the file system).</param>
    /// <exception cref="BoardConfigurationException">The file is unreadable, has no "Board" section, an unknown key, or invalid values; the message names every bad key.</exception>
    public static BoardOptions Load(string path, Func<string, bool>? deviceExists = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BoardConfigurationException(path, [$"cannot be read: {e.Message}"], e);
        }

        return Parse(text, path, deviceExists);
    }

    /// <summary>Parses and validates the board section of a config's JSON <paramref name="text"/>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="BoardConfigurationException">As for <see cref="Load"/>.</exception>
    public static BoardOptions Parse(string text, string source, Func<string, bool>? deviceExists = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        BoardOptions? options;
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty(BoardOptions.SectionName, out var section))
            {
                throw new BoardConfigurationException(source, [$"no top-level \"{BoardOptions.SectionName}\" section."]);
            }

            options = section.Deserialize<BoardOptions>(Json);
        }
        catch (JsonException e)
        {
            // The serializer's path ($.Pins.Bsy) is relative to the section.
            string key = e.Path is { Length: > 1 } p ? BoardOptions.SectionName + ":" + p.TrimStart('$', '.').Replace('.', ':') : BoardOptions.SectionName;
            throw new BoardConfigurationException(source, [$"{key}: {e.Message}"], e);
        }

        if (options is null)
        {
            throw new BoardConfigurationException(source, [$"{BoardOptions.SectionName}: must be an object."]);
        }

        var errors = options.Validate(deviceExists);
        if (errors.Count > 0)
        {
            throw new BoardConfigurationException(source, errors);
        }

        return options;
    }
}

/// <summary>A board config that cannot be used; nothing was opened.</summary>
public sealed class BoardConfigurationException : Exception
{
    /// <summary>Errors in <paramref name="source"/>, each naming its key.</summary>
    public BoardConfigurationException(string source, IReadOnlyList<string> errors, Exception? innerException = null)
        : base($"Invalid board config {source}: {string.Join(" ", errors ?? [])}", innerException)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ConfigSource = source;
        Errors = errors;
    }

    /// <summary>The file (or text) that was read.</summary>
    public string ConfigSource { get; }

    /// <summary>Every problem found, each naming its key.</summary>
    public IReadOnlyList<string> Errors { get; }
}
