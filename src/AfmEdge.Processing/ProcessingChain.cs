using System.Globalization;
using AfmEdge.Core;

namespace AfmEdge.Processing;

/// <summary>
/// An ordered list of operations parsed from config strings ("level:plane", …), run on every channel of
/// a frame. Each step is recorded in the frame's metadata so a published frame says what was done to it.
/// </summary>
public sealed class ProcessingChain
{
    private readonly IChannelOperation[] _operations;

    private ProcessingChain(IChannelOperation[] operations) => _operations = operations;

    public IReadOnlyList<IChannelOperation> Operations => _operations;

    /// <summary>The step names this build knows; the processing issue adds row alignment, filters and registration.</summary>
    public static IReadOnlyList<string> KnownSteps { get; } = ["level:plane"];

    public static ProcessingChain Parse(IEnumerable<string> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var operations = new List<IChannelOperation>();
        var index = 0;
        foreach (var step in steps)
        {
            operations.Add(ParseStep(step, index++));
        }

        return new ProcessingChain([.. operations]);
    }

    public static bool TryParseStep(string? step, out string error)
    {
        try
        {
            ParseStep(step, 0);
            error = string.Empty;
            return true;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    public Frame Apply(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (_operations.Length == 0)
        {
            return frame;
        }

        var channels = new Channel[frame.Channels.Count];
        for (var c = 0; c < channels.Length; c++)
        {
            var channel = frame.Channels[c];
            foreach (var operation in _operations)
            {
                channel = operation.Apply(channel);
            }

            channels[c] = channel;
        }

        return frame.With(channels, "processing", string.Join(",", _operations.Select(o => o.Name)));
    }

    private static IChannelOperation ParseStep(string? step, int index)
    {
        var name = step?.Trim().ToLowerInvariant();
        return name switch
        {
            "level:plane" => new PlaneLeveling(),
            _ => throw new FormatException(string.Create(CultureInfo.InvariantCulture,
                $"Processing step {index} '{step}' is unknown; known steps: {string.Join(", ", KnownSteps)}.")),
        };
    }
}
