using AfmEdge.Core;

namespace AfmEdge.Processing;

/// <summary>
/// A per-channel step limited to some channels: the chain's "STEP@NAMES" form, e.g. "level:plane@Height" or
/// "align-rows:median@Height+Adhesion". The other channels pass through unchanged. Levelling or aligning a physical
/// field (Current in A, Potential in V) removes its offset, which is the quantity measured, so an AFM user levels the
/// topography and decides per channel for the rest.
/// </summary>
/// <remarks>
/// A name selects channels by their <see cref="ChannelDescriptor.Name"/> in both scan directions ("Height" is
/// "Height" and "Height-retrace": the two are one measurement, and register:midpoint, register:probes and merge-retrace
/// treat them as a pair too), or one direction by its <see cref="ChannelDescriptor.Key"/> ("Height-retrace"). Names are
/// matched ignoring case, as <see cref="Frame.GetChannel(string, ScanDirection)"/> does.
/// </remarks>
public sealed class ChannelSelection : IChannelOperation
{
    private readonly string[] _channels;

    public ChannelSelection(IChannelOperation step, IEnumerable<string> channels)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(channels);
        if (step is ChannelSelection)
        {
            throw new ArgumentException($"Step '{step.Name}' already has a channel selector.", nameof(step));
        }

        _channels = [.. channels];
        if (_channels.Length == 0 || _channels.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException($"The channel selector of step '{step.Name}' must name at least one channel, and no empty one.", nameof(channels));
        }

        Step = step;
    }

    /// <summary>The step that runs on the selected channels.</summary>
    public IChannelOperation Step { get; }

    /// <summary>The channel names or keys as written.</summary>
    public IReadOnlyList<string> Channels => _channels;

    /// <summary>The step with its selector, e.g. "level:plane@Height".</summary>
    public string Name => Step.Name + "@" + string.Join('+', _channels);

    /// <summary>Whether the step runs on a channel with this descriptor.</summary>
    public bool Selects(ChannelDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        foreach (var name in _channels)
        {
            if (Matches(name, descriptor))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The step on a selected channel; any other channel is returned as it is.</summary>
    public Channel Apply(Channel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return Selects(channel.Descriptor) ? Step.Apply(channel) : channel;
    }

    /// <summary>Throws when a selected name matches no channel of <paramref name="frame"/> (a typo would otherwise skip the step silently).</summary>
    /// <exception cref="ArgumentException">The frame has no channel of that name.</exception>
    public void CheckChannels(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        foreach (var name in _channels)
        {
            if (!frame.Channels.Any(c => Matches(name, c.Descriptor)))
            {
                throw new ArgumentException(
                    $"Step '{Name}' selects channel '{name}', which the frame does not have; it has {string.Join(", ", frame.Channels.Select(c => c.Descriptor.Key))}.",
                    nameof(frame));
            }
        }
    }

    private static bool Matches(string name, ChannelDescriptor descriptor) =>
        string.Equals(name, descriptor.Name, StringComparison.OrdinalIgnoreCase) || string.Equals(name, descriptor.Key, StringComparison.OrdinalIgnoreCase);
}
