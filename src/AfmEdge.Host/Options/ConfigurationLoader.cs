using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace AfmEdge.Host.Options;

/// <summary>
/// Reads a device config file into <see cref="AfmEdgeOptions"/> and checks it, reporting every problem
/// (malformed JSON with its position, unknown keys, wrong types, out-of-range values) as messages that
/// name the key. Used before the host is built so a bad config starts nothing.
/// </summary>
public static class ConfigurationLoader
{
    public static IConfiguration Build(string? configFile, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            var full = Path.GetFullPath(configFile);
            if (!File.Exists(full))
            {
                throw new ConfigurationException([$"Config file '{configFile}' does not exist."]);
            }

            CheckJson(full);
            builder.AddJsonFile(full, optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables("AFMEDGE_");
        if (overrides is not null)
        {
            builder.AddInMemoryCollection(overrides);
        }

        return builder.Build();
    }

    /// <summary>Binds and validates; throws <see cref="ConfigurationException"/> listing every error.</summary>
    public static AfmEdgeOptions Load(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new AfmEdgeOptions();
        try
        {
            configuration.GetSection(AfmEdgeOptions.SectionName).Bind(options, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            throw new ConfigurationException([Describe(e)]);
        }

        var errors = AfmEdgeOptionsValidator.Errors(options);
        return errors.Count == 0 ? options : throw new ConfigurationException(errors);
    }

    private static void CheckJson(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ConfigurationException([$"Config file '{path}' must hold a JSON object, not {document.RootElement.ValueKind}."]);
            }
        }
        catch (JsonException e)
        {
            throw new ConfigurationException([$"Config file '{path}' is not valid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {e.Message}"]);
        }
    }

    /// <summary>The binder's messages name the key; its inner exception says why the value did not convert.</summary>
    private static string Describe(InvalidOperationException e) =>
        e.InnerException is null ? e.Message : $"{e.Message} {e.InnerException.Message}";
}

public sealed class ConfigurationException(IReadOnlyList<string> errors)
    : Exception("Invalid configuration: " + string.Join(" ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
