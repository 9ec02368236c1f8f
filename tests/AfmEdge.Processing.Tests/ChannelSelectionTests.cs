using AfmEdge.Core;

namespace AfmEdge.Processing.Tests;

/// <summary>Per-channel steps with a channel selector ("level:plane@Height"): what runs where, what passes, what is refused.</summary>
public sealed class ChannelSelectionTests
{
    [Fact]
    public void Apply_SelectorOnHeight_LevelsHeightTraceAndRetraceOthersBitEqual()
    {
        var frame = ProcessingChainPoolTests.TestFrame(64, nanPixels: false);

        var result = ProcessingChain.ParseList("level:plane@Height").Apply(frame);

        var unselected = ProcessingChain.ParseList("level:plane").Apply(frame);
        foreach (var channel in frame.Channels)
        {
            var actual = result.Channels.Single(c => c.Descriptor == channel.Descriptor).Data.ToArray();
            var expected = channel.Name == "Height"
                ? unselected.Channels.Single(c => c.Descriptor == channel.Descriptor).Data.ToArray()
                : channel.Data.ToArray();
            Assert.Equal(expected, actual);
        }

        Assert.NotEqual(frame.GetChannel("Height").Data.ToArray(), result.GetChannel("Height").Data.ToArray());
        Assert.Equal("level:plane@Height", result.Metadata["processing"]);
    }

    [Fact]
    public void Apply_RetraceKeySelector_OnlyTheRetraceChanges()
    {
        var frame = ProcessingChainPoolTests.TestFrame(64, nanPixels: false);

        var result = ProcessingChain.ParseList("align-rows:median@Height-retrace").Apply(frame);

        Assert.Equal(frame.GetChannel("Height").Data.ToArray(), result.GetChannel("Height").Data.ToArray());
        Assert.Equal(
            new RowAlignment(RowAlignmentMethod.Median).Apply(frame.GetChannel("Height", ScanDirection.Retrace)).Data.ToArray(),
            result.GetChannel("Height", ScanDirection.Retrace).Data.ToArray());
    }

    [Fact]
    public void Apply_TwoSelectedChannelsAndAnUnselectedStep_EachChannelGetsItsSteps()
    {
        var frame = ProcessingChainPoolTests.TestFrame(64, nanPixels: false);

        var result = ProcessingChain.ParseList("align-rows:median@height+ADHESION,gauss:1").Apply(frame, device: null);

        var both = ProcessingChain.ParseList("align-rows:median,gauss:1");
        var gaussOnly = ProcessingChain.ParseList("gauss:1");
        foreach (var channel in frame.Channels)
        {
            var chain = channel.Name is "Height" or "Adhesion" ? both : gaussOnly;
            Assert.Equal(chain.Apply(channel, out _).Data.ToArray(), result.Channels.Single(c => c.Descriptor == channel.Descriptor).Data.ToArray());
        }

        // The selector as written; the devices entry lists the step once, for the channels that ran it.
        Assert.Equal("align-rows:median@height+ADHESION,gauss:1", result.Metadata["processing"]);
        Assert.Equal("align-rows:median@height+ADHESION=cpu; gauss:1=cpu", result.Metadata[ProcessingChain.DevicesKey]);
    }

    [Fact]
    public void Apply_SelectedChannelWithNaN_MaskedOnlyThere()
    {
        var frame = ProcessingChainPoolTests.TestFrame(64, nanPixels: true);

        var result = ProcessingChain.ParseList("level:plane@Height").Apply(frame);

        Assert.Equal("Height: 1 NaN/Inf px", result.Metadata["processing.masked"]);
        Assert.True(float.IsNaN(result.GetChannel("Height").Data[(5 * 64) + 9]));
        Assert.Equal(frame.GetChannel("Current").Data.ToArray(), result.GetChannel("Current").Data.ToArray());
    }

    [Fact]
    public void Apply_SelectorNamesMissingChannel_ThrowsNamingStepAndChannel()
    {
        var frame = ProcessingChainPoolTests.TestFrame(32, nanPixels: false);
        var chain = ProcessingChain.ParseList("level:plane,align-rows:median@Height+Friction");

        var e = Assert.Throws<ArgumentException>(() => chain.Apply(frame));

        Assert.Contains("'align-rows:median@Height+Friction'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'Friction'", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => chain.Apply(frame, null, new ChannelBufferPool()));
    }

    [Fact]
    public void Apply_RetraceSelectorOnFrameWithoutRetrace_Throws()
    {
        var full = ProcessingChainPoolTests.TestFrame(32, nanPixels: false);
        var traceOnly = new Frame(full.Id, full.Scan, full.Channels.Where(c => c.Descriptor.Direction == ScanDirection.Trace));

        var e = Assert.Throws<ArgumentException>(() => ProcessingChain.ParseList("level:plane@Height-retrace").Apply(traceOnly));

        Assert.Contains("'Height-retrace'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplyChannel_NotSelected_PassesUnchangedAndSaysSo()
    {
        var channel = ProcessingChainPoolTests.TestFrame(32, nanPixels: false).GetChannel("Current");
        var chain = ProcessingChain.ParseList("level:plane@Height,gauss:1");

        var result = chain.Apply(channel, device: null, out _, out var devices);
        var pooled = chain.Apply(channel, null, new ChannelBufferPool(), out _, out var pooledDevices);

        Assert.Equal(ProcessingChain.ParseList("gauss:1").Apply(channel, out _).Data.ToArray(), result.Data.ToArray());
        Assert.Equal(result.Data.ToArray(), pooled.Data.ToArray());
        Assert.Equal("level:plane@Height=not selected; gauss:1=cpu", devices);
        Assert.Equal(devices, pooledDevices);
    }

    [Fact]
    public void ApplyChannel_NoStepSelectsIt_PooledResultIsACopy()
    {
        var channel = ProcessingChainPoolTests.TestFrame(32, nanPixels: false).GetChannel("Current");

        var result = ProcessingChain.ParseList("level:plane@Height").Apply(channel, null, new ChannelBufferPool(), out _, out _);

        Assert.Equal(channel.Data.ToArray(), result.Data.ToArray());
        Assert.False(channel.Memory.Equals(result.Memory));
    }

    [Theory]
    [InlineData("level:plane@Height", "level:plane@Height")]
    [InlineData(" level:poly:2 @ Height + Adhesion ", "level:poly:2@Height+Adhesion")]
    [InlineData("align-rows:trimmed:0.2@Height-retrace", "align-rows:trimmed:0.2@Height-retrace")]
    [InlineData("gauss:2@Current_1.a", "gauss:2@Current_1.a")]
    public void Parse_Selector_NameAsWritten(string step, string name)
    {
        var operation = Assert.IsType<ChannelSelection>(ProcessingChain.Parse([step]).Operations.Single());

        Assert.Equal(name, operation.Name);
        Assert.IsAssignableFrom<GridOperation>(operation.Step);
    }

    [Theory]
    [InlineData("level:plane@", "CHANNELS")]
    [InlineData("level:plane@Height+", "CHANNELS")]
    [InlineData("level:plane@+Height", "CHANNELS")]
    [InlineData("level:plane@Height Adhesion", "CHANNELS")]
    [InlineData("level:plane@Height@Adhesion", "CHANNELS")]
    [InlineData("level:plane@Hé/ight", "CHANNELS")]
    [InlineData("register:probes@Height", "whole frame")]
    [InlineData("register:midpoint@Height", "whole frame")]
    [InlineData("merge-retrace@Height", "whole frame")]
    [InlineData("register:probes:Current+Potential@Height", "whole frame")]
    [InlineData("sharpen@Height", "unknown")]
    public void Parse_BadSelector_ThrowsNamingStep(string step, string reason)
    {
        var e = Assert.Throws<FormatException>(() => ProcessingChain.Parse(["level:plane", step]));

        Assert.Contains($"Processing step 1 '{step}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.False(ProcessingChain.TryParseStep(step, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplyChannel_SelectionOnItsOwn_RunsOnlyOnSelected()
    {
        var frame = ProcessingChainPoolTests.TestFrame(32, nanPixels: false);
        var selection = new ChannelSelection(new PlaneLeveling(), ["Adhesion"]);

        Assert.Same(frame.GetChannel("Height"), selection.Apply(frame.GetChannel("Height")));
        Assert.Equal(new PlaneLeveling().Apply(frame.GetChannel("Adhesion")).Data.ToArray(), selection.Apply(frame.GetChannel("Adhesion")).Data.ToArray());
        Assert.Throws<ArgumentException>(() => new ChannelSelection(new PlaneLeveling(), []));
        Assert.Throws<ArgumentException>(() => new ChannelSelection(selection, ["Height"]));
    }
}
