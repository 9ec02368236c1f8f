using AfmEdge.Messaging;

namespace AfmEdge.Messaging.Tests;

public sealed class TopicSchemeTests
{
    [Fact]
    public void Topics_FollowVersionedLayout()
    {
        var topics = new TopicScheme("lab", "afm-01");
        Assert.Equal("afm/v1/lab/afm-01/status", topics.Status);
        Assert.Equal("afm/v1/lab/afm-01/summary", topics.Summary);
        Assert.Equal("afm/v1/lab/afm-01/frame/20261125T101530123Z-000042", topics.Frame("20261125T101530123Z-000042"));
        Assert.Equal("afm/v1/lab/afm-01/plots/scatter-Current", topics.Plot("scatter-Current"));
        Assert.Equal("afm/v1/lab/afm-01/plots/+", topics.AllPlots);
    }

    [Theory]
    [InlineData("scatter/Current")]
    [InlineData("+")]
    [InlineData("")]
    [InlineData("scatter Current")]
    public void Plot_BadName_ThrowsNamingIt(string name) =>
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => new TopicScheme("lab", "afm-01").Plot(name)).ParamName);

    [Theory]
    [InlineData("a/b")]
    [InlineData("+")]
    [InlineData("#")]
    [InlineData("")]
    [InlineData("two words")]
    public void Constructor_BadLevel_Throws(string site) =>
        Assert.Throws<ArgumentException>(() => new TopicScheme(site, "afm-01"));

    [Fact]
    public void Validate_BadOptions_NameEachField()
    {
        var errors = new MqttOptions { Port = 0, Site = "a/b", ChunkBytes = 10 }.Validate();
        Assert.Contains(errors, e => e.StartsWith("Mqtt:Port = 0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Mqtt:Site", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Mqtt:ChunkBytes = 10", StringComparison.Ordinal));
    }
}
