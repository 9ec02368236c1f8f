using System.Text.Json;
using AfmEdge.Analysis;
using Json.Schema;

namespace AfmEdge.EndToEnd.Tests.Support;

/// <summary>The project's JSON Schemas, built once per test process (JsonSchema.Net refuses to register an $id twice).</summary>
internal static class Schemas
{
    private static readonly Lazy<JsonSchema> SummaryLazy = new(() => JsonSchema.FromText(SummaryJson.Schema()));
    private static readonly Lazy<JsonSchema> ConfigLazy = new(() =>
        JsonSchema.FromText(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "device-config", "afmedge.schema.json"))));

    public static JsonSchema Summary => SummaryLazy.Value;

    public static JsonSchema Config => ConfigLazy.Value;

    /// <summary>Null when valid, else the evaluation's details for the assertion message.</summary>
    public static string? Problems(JsonSchema schema, JsonElement document)
    {
        var result = schema.Evaluate(document, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return result.IsValid ? null : JsonSerializer.Serialize(result);
    }
}
