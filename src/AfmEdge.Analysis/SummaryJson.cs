using System.Text.Json;
using System.Text.Json.Serialization;

namespace AfmEdge.Analysis;

/// <summary>The wire form of <see cref="FrameSummary"/>: camelCase JSON, source-generated (no reflection on the board).</summary>
public static class SummaryJson
{
    public static byte[] Serialize(FrameSummary summary) =>
        JsonSerializer.SerializeToUtf8Bytes(summary, SummaryJsonContext.Default.FrameSummary);

    public static FrameSummary Deserialize(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, SummaryJsonContext.Default.FrameSummary)
        ?? throw new JsonException("A summary must be a JSON object, not null.");

    /// <summary>The JSON Schema the summary follows, shipped inside the assembly so the device can serve it.</summary>
    public static string Schema()
    {
        using var stream = typeof(SummaryJson).Assembly.GetManifestResourceStream("AfmEdge.Analysis.Schemas.summary.v1.schema.json")
            ?? throw new InvalidOperationException("The summary schema resource is missing from AfmEdge.Analysis.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(FrameSummary))]
internal sealed partial class SummaryJsonContext : JsonSerializerContext;
