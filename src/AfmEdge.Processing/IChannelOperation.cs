using AfmEdge.Core;

namespace AfmEdge.Processing;

/// <summary>One step of the processing chain, applied to each channel of a frame independently.</summary>
public interface IChannelOperation
{
    /// <summary>The step as written in config and recorded in frame metadata, e.g. "level:plane".</summary>
    string Name { get; }

    /// <summary>Returns a new channel; the input is never modified.</summary>
    Channel Apply(Channel channel);
}
