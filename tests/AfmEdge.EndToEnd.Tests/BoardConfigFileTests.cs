using System.Text.Json;
using AfmEdge.EndToEnd.Tests.Support;

namespace AfmEdge.EndToEnd.Tests;

public sealed class BoardConfigFileTests
{
    [Fact]
    public void RaspberryPi5Config_MatchesTheDeviceConfigSchema()
    {
        // The file names afmedge.schema.json as its $schema; its "Board" section sits beside "AfmEdge", which the schema leaves open.
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "device-config", "raspberry-pi-5.json")));

        Assert.Null(Schemas.Problems(Schemas.Config, document.RootElement));
        Assert.True(document.RootElement.TryGetProperty("Board", out _));
    }
}
