using AfmEdge.Core;

namespace AfmEdge.Processing;

/// <summary>One named step of the processing chain.</summary>
public interface IProcessingStep
{
    /// <summary>The step as written in config and recorded in frame metadata, e.g. "level:plane".</summary>
    string Name { get; }
}

/// <summary>One step of the processing chain, applied to each channel of a frame independently.</summary>
public interface IChannelOperation : IProcessingStep
{
    /// <summary>Returns a new channel; the input is never modified.</summary>
    Channel Apply(Channel channel);
}

/// <summary>A step that needs the whole frame (e.g. registration of channels against each other).</summary>
public interface IFrameOperation : IProcessingStep
{
    /// <summary>Returns a new frame; the input is never modified.</summary>
    Frame Apply(Frame frame);

    /// <summary>
    /// As <see cref="Apply(Frame)"/>, with the sample arrays of the channels it makes rented from
    /// <paramref name="buffers"/> where the step supports it (the default makes new ones). The arrays of
    /// <paramref name="frame"/> stay the caller's: the step never returns them to the pool.
    /// </summary>
    Frame Apply(Frame frame, ChannelBufferPool buffers) => Apply(frame);
}
