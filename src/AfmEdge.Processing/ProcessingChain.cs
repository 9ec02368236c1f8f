using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using AfmEdge.Core;

namespace AfmEdge.Processing;

/// <summary>
/// An ordered list of operations parsed from config strings ("align-rows:median", "level:plane", "gauss:2", …), run on
/// every channel of a frame, or with a channel selector ("level:plane@Height", see <see cref="ChannelSelection"/>) on
/// the channels it names only. Each step is recorded in the frame's metadata so a published frame says what was done to
/// it. NaN/Inf pixels are masked (left out of fits, filled for filters), put back as NaN in the result, and reported
/// in the metadata entry "processing.masked".
/// </summary>
public sealed class ProcessingChain
{
    /// <summary>The frame metadata entry that <see cref="Apply(Frame, IGridDevice?)"/> writes: which device ran each step.</summary>
    public const string DevicesKey = "processing.devices";

    /// <summary>The device name recorded for a step run by this library's (SIMD) code.</summary>
    public const string CpuDevice = "cpu";

    private const long ParallelPixels = 64 * 1024;

    private readonly IProcessingStep[] _operations;

    private ProcessingChain(IProcessingStep[] operations) => _operations = operations;

    /// <summary>The steps in order: per-channel operations (<see cref="IChannelOperation"/>) and whole-frame ones (<see cref="IFrameOperation"/>).</summary>
    public IReadOnlyList<IProcessingStep> Operations => _operations;

    /// <summary>The steps' names joined by commas: the list <see cref="ParseList"/> reads back.</summary>
    public string Steps => string.Join(",", _operations.Select(o => o.Name));

    /// <summary>The separator of a per-channel step and its channel selector: "level:plane@Height".</summary>
    public const char SelectorSeparator = '@';

    /// <summary>The step grammar this build knows (K, SIGMA, SIZE and FRACTION are numbers).</summary>
    public static IReadOnlyList<string> KnownSteps { get; } =
    [
        "level:plane", "level:poly:K (K 0-3)",
        "align-rows:median", "align-rows:mean", "align-rows:poly:K (K 0-3)", "align-rows:median-diff", "align-rows:trimmed[:FRACTION 0-0.5]",
        "scars",
        "gauss:SIGMA (pixels, 0-1000)", $"median:SIZE (1-{MedianFilter.MaxSize})",
        "lowpass:F", "highpass:F", "bandpass:F1:F2", "notch-rows:F1:F2 (F in cycles per pixel, 0-0.5)",
        "fix-zero", "zero-mean", "offset:VALUE", "level-masked:plane[:K]", "level-masked:poly:D[:K] (D 2-3, K σ 0-10)",
        "tip-dilate:RADIUS_NM", "tip-erode:RADIUS_NM (paraboloid tip, 0-10000 nm)", "tip-erode:blind[:SIZE[:THRESHOLD_NM]] (SIZE odd px, default 11)",
        "register", "register:retrace", "register:retrace:lines (per-line lag)", "register:probes[:PROBES[:REFERENCE]] (channel names joined by +)", "register…:crop (crop to the common area)",
        "register:midpoint[:K] (trace and retrace to their midpoint along the fast axis: hysteresis, lag; K 0-3)",
        "merge-retrace[:K] (each trace becomes the mean of trace and retrace, and the retrace leaves the frame; a height the lower where they differ by over K robust σ, default 3)",
        "STEP@CHANNELS (a per-channel step on the named channels only, joined by +, e.g. level:plane@Height; Height covers Height-retrace, Height-retrace itself only the retrace; the others pass unchanged)",
    ];

    public static ProcessingChain Parse(IEnumerable<string> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var operations = new List<IProcessingStep>();
        var index = 0;
        foreach (var step in steps)
        {
            operations.Add(ParseStep(step, index++));
        }

        return new ProcessingChain([.. operations]);
    }

    /// <summary>Parses a comma-separated list, as the CLI's --ops takes it.</summary>
    public static ProcessingChain ParseList(string steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        return Parse(steps.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>As <see cref="ParseList"/>, the first error as text instead of a <see cref="FormatException"/>.</summary>
    public static bool TryParseList(string steps, [NotNullWhen(true)] out ProcessingChain? chain, out string error)
    {
        try
        {
            chain = ParseList(steps);
            error = string.Empty;
            return true;
        }
        catch (FormatException e)
        {
            chain = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary>Checks one step on its own; the error names the step and its bad parameter, but no position.</summary>
    public static bool TryParseStep(string? step, out string error)
    {
        try
        {
            ParseStep(step, index: null);
            error = string.Empty;
            return true;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    public Frame Apply(Frame frame) => Apply(frame, device: null, buffers: null, recordDevices: false);

    /// <summary>
    /// Runs the chain with each grid step offered to <paramref name="device"/> first (the SIMD code runs the steps it
    /// declines, and every whole-frame step), and records in <see cref="DevicesKey"/> which device ran each step, e.g.
    /// "align-rows:median=cuda Orin; register:probes=cpu". A step that ran on different devices for different
    /// channels (a masked row alignment on a channel with NaN pixels) lists them per channel.
    /// </summary>
    /// <param name="frame">The frame; never modified.</param>
    /// <param name="device">Null: everything on the CPU (still recorded).</param>
    public Frame Apply(Frame frame, IGridDevice? device) => Apply(frame, device, buffers: null, recordDevices: true);

    /// <summary>
    /// As <see cref="Apply(Frame, IGridDevice?)"/> (the same samples, bit for bit), with every channel array it makes
    /// rented from <paramref name="buffers"/>: each step's result, and each channel of the returned frame. The
    /// intermediate ones go back to the pool before this returns, so once the pool holds a frame's worth of arrays of
    /// this size a run commits no new memory (a fresh 1 MB array costs a page fault per 4 KB on first touch).
    /// </summary>
    /// <param name="frame">The frame; never modified, and none of its arrays is handed to the pool.</param>
    /// <param name="device">Null: everything on the CPU.</param>
    /// <param name="buffers">Where the arrays come from; it must not hold any array that something still reads.</param>
    /// <returns>
    /// A frame that shares no array with <paramref name="frame"/> (a channel the chain leaves as it was is copied):
    /// its arrays are the caller's, who may hand them back with <see cref="ChannelBufferPool.Return(Frame)"/> once
    /// nothing reads the frame any more, and may hand back <paramref name="frame"/> as well when it is done with it.
    /// </returns>
    public Frame Apply(Frame frame, IGridDevice? device, ChannelBufferPool buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        return Apply(frame, device, buffers, recordDevices: true);
    }

    private Frame Apply(Frame frame, IGridDevice? device, ChannelBufferPool? buffers, bool recordDevices)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (_operations.Length == 0)
        {
            return buffers is null ? frame : Detached(frame, frame, buffers);
        }

        // Runs of per-channel steps go channel by channel; a frame step (registration) sees every channel at once.
        var current = frame;
        // By channel key: a frame step may drop channels (merge-retrace drops the retraces it merged).
        var nonFinite = new Dictionary<string, int>(StringComparer.Ordinal);
        var ran = new List<(string Channel, string Device)>[_operations.Length];
        for (var i = 0; i < _operations.Length;)
        {
            Frame next;
            if (_operations[i] is IFrameOperation frameStep)
            {
                next = buffers is null ? frameStep.Apply(current) : frameStep.Apply(current, buffers);
                ran[i] = [(string.Empty, CpuDevice)];
                i++;
            }
            else
            {
                var end = i;
                while (end < _operations.Length && _operations[end] is not IFrameOperation)
                {
                    end++;
                }

                for (var s = i; s < end; s++)
                {
                    (_operations[s] as ChannelSelection)?.CheckChannels(current);
                }

                next = ApplyChannels(current, _operations[i..end], nonFinite, device, buffers, ran.AsSpan(i, end - i));
                i = end;
            }

            if (buffers is not null)
            {
                Release(current, next, frame, buffers);
            }

            current = next;
        }

        if (buffers is not null)
        {
            current = Detached(current, frame, buffers);
        }

        var masked = new List<string>();
        foreach (var channel in frame.Channels)
        {
            if (nonFinite.GetValueOrDefault(channel.Descriptor.Key) is var count and > 0)
            {
                masked.Add(string.Create(CultureInfo.InvariantCulture, $"{channel.Descriptor.Key}: {count} NaN/Inf px"));
            }
        }

        var result = current.With(current.Channels, "processing", Steps);
        result = masked.Count == 0 ? result : result.With(result.Channels, "processing.masked", string.Join("; ", masked));
        return recordDevices ? result.With(result.Channels, DevicesKey, DevicesEntry(ran)) : result;
    }

    /// <summary>Runs every step on one channel; <paramref name="nonFinite"/> counts the NaN/Inf pixels it masked.</summary>
    /// <exception cref="ArgumentException">The chain has a whole-frame step (e.g. registration), which one channel cannot run.</exception>
    public Channel Apply(Channel channel, out int nonFinite)
    {
        ArgumentNullException.ThrowIfNull(channel);
        if (_operations.FirstOrDefault(o => o is IFrameOperation) is { } frameStep)
        {
            throw new ArgumentException($"Step '{frameStep.Name}' works on a whole frame (several channels), not on the single channel '{channel.Descriptor.Key}'.");
        }

        return ApplySelected(channel, _operations, device: null, buffers: null, stepDevices: null, out nonFinite);
    }

    /// <summary>
    /// Runs every step on one channel, each grid step offered to <paramref name="device"/> first;
    /// <paramref name="devices"/> says which device ran each step, in the form of <see cref="DevicesKey"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The chain has a whole-frame step (e.g. registration), which one channel cannot run.</exception>
    public Channel Apply(Channel channel, IGridDevice? device, out int nonFinite, out string devices) =>
        ApplyToChannel(channel, device, buffers: null, out nonFinite, out devices);

    /// <summary>
    /// As <see cref="Apply(Channel, IGridDevice?, out int, out string)"/>, with every array it makes rented from
    /// <paramref name="buffers"/> (see <see cref="Apply(Frame, IGridDevice?, ChannelBufferPool)"/>): the intermediate
    /// ones go back to it, and the returned channel's array, never <paramref name="channel"/>'s, is the caller's.
    /// </summary>
    /// <exception cref="ArgumentException">The chain has a whole-frame step (e.g. registration), which one channel cannot run.</exception>
    public Channel Apply(Channel channel, IGridDevice? device, ChannelBufferPool buffers, out int nonFinite, out string devices)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        return ApplyToChannel(channel, device, buffers, out nonFinite, out devices);
    }

    private Channel ApplyToChannel(Channel channel, IGridDevice? device, ChannelBufferPool? buffers, out int nonFinite, out string devices)
    {
        ArgumentNullException.ThrowIfNull(channel);
        if (_operations.FirstOrDefault(o => o is IFrameOperation) is { } frameStep)
        {
            throw new ArgumentException($"Step '{frameStep.Name}' works on a whole frame (several channels), not on the single channel '{channel.Descriptor.Key}'.");
        }

        var stepDevices = new string?[_operations.Length];
        var result = ApplySelected(channel, _operations, device, buffers, stepDevices, out nonFinite);
        devices = DevicesEntry([.. stepDevices.Select(d => new List<(string, string)> { (channel.Descriptor.Key, d ?? NotSelected) })]);
        return buffers is not null && ReferenceEquals(result, channel) ? channel.WithData(channel.Width, channel.Height, Own(channel, buffers)) : result;
    }

    /// <summary>Hands back the arrays of <paramref name="previous"/> the chain made (none of <paramref name="input"/>'s) that <paramref name="next"/> no longer holds.</summary>
    private static void Release(Frame previous, Frame next, Frame input, ChannelBufferPool buffers)
    {
        foreach (var channel in previous.Channels)
        {
            if (ChannelBufferPool.ArrayOf(channel) is { } array && !Holds(input, array) && !Holds(next, array))
            {
                buffers.Return(array);
            }
        }
    }

    /// <summary>The frame with every channel that shares an array with <paramref name="input"/> copied into a rented one.</summary>
    private static Frame Detached(Frame result, Frame input, ChannelBufferPool buffers)
    {
        Channel[]? channels = null;
        for (var c = 0; c < result.Channels.Count; c++)
        {
            var channel = result.Channels[c];
            if (ChannelBufferPool.ArrayOf(channel) is not { } array || Holds(input, array))
            {
                channels ??= [.. result.Channels];
                var data = buffers.Rent(channel.Data.Length);
                channel.Data.CopyTo(data);
                channels[c] = channel.WithData(channel.Width, channel.Height, data);
            }
        }

        return channels is null ? result : new Frame(result.Id, result.Scan, channels, result.Metadata);
    }

    private static bool Holds(Frame frame, float[] array)
    {
        foreach (var channel in frame.Channels)
        {
            if (ReferenceEquals(ChannelBufferPool.ArrayOf(channel), array))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>What <see cref="DevicesKey"/> says for a step whose channel selector leaves out the one channel it was given.</summary>
    private const string NotSelected = "not selected";

    private string DevicesEntry(List<(string Channel, string Device)>[] ran) =>
        string.Join("; ", _operations.Select((o, s) =>
        {
            var devices = ran[s].Select(r => r.Device).Distinct(StringComparer.Ordinal).ToList();
            return devices.Count == 1
                ? $"{o.Name}={devices[0]}"
                : $"{o.Name}={string.Join(", ", ran[s].Select(r => $"{r.Device} for {r.Channel}"))}";
        }));

    private static Frame ApplyChannels(Frame frame, IProcessingStep[] operations, Dictionary<string, int> nonFinite, IGridDevice? device, ChannelBufferPool? buffers,
        Span<List<(string Channel, string Device)>> ran)
    {
        var channels = new Channel[frame.Channels.Count];
        var counts = new int[channels.Length];
        var devices = new string?[channels.Length][];
        for (var c = 0; c < channels.Length; c++)
        {
            devices[c] = new string?[operations.Length];
        }

        // Channels are independent: on a multi-channel frame of useful size they run in parallel (2 cores: ~2×).
        if (channels.Length > 1 && (long)frame.Width * frame.Height >= ParallelPixels)
        {
            try
            {
                Parallel.For(0, channels.Length, c => channels[c] = ApplySelected(frame.Channels[c], operations, device, buffers, devices[c], out counts[c]));
            }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
                throw;
            }
        }
        else
        {
            for (var c = 0; c < channels.Length; c++)
            {
                channels[c] = ApplySelected(frame.Channels[c], operations, device, buffers, devices[c], out counts[c]);
            }
        }

        for (var s = 0; s < operations.Length; s++)
        {
            // A channel a step's selector leaves out did not run it (the chain checked that the selector matches some channel).
            ran[s] = [.. Enumerable.Range(0, channels.Length).Where(c => devices[c][s] is not null).Select(c => (frame.Channels[c].Descriptor.Key, devices[c][s]!))];
        }

        // Later runs re-mask the pixels earlier runs put back as NaN: count each pixel once.
        for (var c = 0; c < counts.Length; c++)
        {
            var key = frame.Channels[c].Descriptor.Key;
            nonFinite[key] = Math.Max(nonFinite.GetValueOrDefault(key), counts[c]);
        }

        return new Frame(frame.Id, frame.Scan, channels, frame.Metadata);
    }

    /// <summary>
    /// The steps whose selector (if any) takes <paramref name="channel"/>, unwrapped; <paramref name="stepDevices"/> gets
    /// null for the others. With none of them the channel itself is returned (the frame path copies it into a rented
    /// array, as it does any channel a run leaves as it was).
    /// </summary>
    private static Channel ApplySelected(Channel channel, IProcessingStep[] operations, IGridDevice? device, ChannelBufferPool? buffers, string?[]? stepDevices, out int nonFinite)
    {
        if (!operations.Any(o => o is ChannelSelection))
        {
            return Apply(channel, operations, device, buffers, stepDevices, out nonFinite);
        }

        var selected = new List<int>(operations.Length);
        for (var s = 0; s < operations.Length; s++)
        {
            if (operations[s] is not ChannelSelection selection || selection.Selects(channel.Descriptor))
            {
                selected.Add(s);
            }
        }

        if (selected.Count == 0)
        {
            nonFinite = 0;
            return channel;
        }

        var steps = selected.Select(s => operations[s] is ChannelSelection selection ? selection.Step : operations[s]).ToArray();
        var ran = stepDevices is null ? null : new string?[steps.Length];
        var result = Apply(channel, steps, device, buffers, ran, out nonFinite);
        if (stepDevices is not null)
        {
            for (var k = 0; k < selected.Count; k++)
            {
                stepDevices[selected[k]] = ran![k];
            }
        }

        return result;
    }

    private static Channel Apply(Channel channel, IProcessingStep[] operations, IGridDevice? device, ChannelBufferPool? buffers, string?[]? stepDevices, out int nonFinite)
    {
        var (working, exclude) = MaskNonFinite(channel.Data, buffers, out nonFinite);
        var current = channel;
        var length = channel.Data.Length;

        // Without a pool, grid steps pass their results through two buffers of the shared array pool and only the
        // channel's final data is a new array (a frame-sized array per step would be a large-object allocation each, and
        // the collections they cause cost more than the steps). With one, every result is rented from it, and each step
        // hands its input back as soon as it has run: the two arrays a channel needs at a time alternate.
        float[]? data = working;
        var pooled = new float[]?[2];
        var next = 0;
        try
        {
            for (var s = 0; s < operations.Length; s++)
            {
                if (operations[s] is GridOperation grid)
                {
                    var last = s == operations.Length - 1 || operations[s + 1] is not GridOperation;
                    float[] output;
                    if (buffers is not null)
                    {
                        output = buffers.Rent(length);
                    }
                    else if (last)
                    {
                        output = new float[length];
                    }
                    else
                    {
                        output = pooled[next] ??= System.Buffers.ArrayPool<float>.Shared.Rent(length);
                        next ^= 1;
                    }

                    var input = data is null ? current.Data : data.AsSpan(0, length);
                    var onDevice = device is not null && device.TryRun(grid, input, output.AsSpan(0, length), channel.Width, channel.Height, exclude);
                    if (!onDevice)
                    {
                        grid.Run(input, output.AsSpan(0, length), channel.Width, channel.Height, exclude);
                    }

                    stepDevices?[s] = onDevice ? device!.Name : CpuDevice;
                    if (buffers is not null && data is not null)
                    {
                        buffers.Return(data);
                    }

                    data = output;
                }
                else
                {
                    stepDevices?[s] = CpuDevice;
                    // The grid step before a channel step wrote a whole array of its own (a new or a rented one), never a
                    // shared-pool one.
                    current = ((IChannelOperation)operations[s]).Apply(data is null ? current : current.WithData(channel.Width, channel.Height, data));
                    var result = ChannelBufferPool.ArrayOf(current);
                    if (buffers is not null && data is not null && !ReferenceEquals(result, data))
                    {
                        buffers.Return(data);
                    }

                    // With a pool the step's array is this run's to pass on and hand back, unless it is the input's.
                    data = buffers is not null && result is not null && !ReferenceEquals(result, ChannelBufferPool.ArrayOf(channel)) ? result : null;
                }
            }

            data ??= Own(current, buffers);
        }
        finally
        {
            foreach (var buffer in pooled)
            {
                if (buffer is not null)
                {
                    System.Buffers.ArrayPool<float>.Shared.Return(buffer);
                }
            }
        }

        if (exclude is not null)
        {
            for (var i = 0; i < exclude.Length; i++)
            {
                if (exclude[i] != 0)
                {
                    data[i] = float.NaN;
                }
            }
        }

        return channel.WithData(channel.Width, channel.Height, data);
    }

    /// <summary>A copy of the last (channel) step's result to write to and return: a new array, or a rented one.</summary>
    private static float[] Own(Channel result, ChannelBufferPool? buffers)
    {
        var copy = buffers?.Rent(result.Data.Length) ?? new float[result.Data.Length];
        result.Data.CopyTo(copy);
        return copy;
    }

    // Non-finite pixels are excluded from fits and replaced by the mean of the finite ones so filters do not spread them.
    private static (float[]? Working, byte[]? Exclude) MaskNonFinite(ReadOnlySpan<float> data, ChannelBufferPool? buffers, out int count)
    {
        count = 0;
        if (SurfaceStatistics.AllFinite(data))
        {
            return (null, null);
        }

        var exclude = new byte[data.Length];
        double sum = 0;
        for (var i = 0; i < data.Length; i++)
        {
            if (float.IsFinite(data[i]))
            {
                sum += data[i];
            }
            else
            {
                exclude[i] = 1;
                count++;
            }
        }

        var fill = count == data.Length ? 0f : (float)(sum / (data.Length - count));
        var working = buffers?.Rent(data.Length) ?? new float[data.Length];
        data.CopyTo(working);
        for (var i = 0; i < working.Length; i++)
        {
            if (exclude[i] != 0)
            {
                working[i] = fill;
            }
        }

        return (working, exclude);
    }

    private static string StepLabel(int? index) =>
        index is { } i ? string.Create(CultureInfo.InvariantCulture, $"Processing step {i}") : "Processing step";

    private static IProcessingStep ParseStep(string? step, int? index)
    {
        // "STEP@CHANNELS": the selector keeps the channel names as written (they are recorded in the frame's metadata).
        var text = step?.Trim() ?? string.Empty;
        var at = text.IndexOf(SelectorSeparator, StringComparison.Ordinal);
        if (at < 0)
        {
            return ParseOperation(step, text, index);
        }

        var operation = ParseOperation(step, text[..at].TrimEnd(), index);
        if (operation is not IChannelOperation channelStep)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture,
                $"{StepLabel(index)} '{step}': '{operation.Name}' works on the whole frame; a channel selector ({SelectorSeparator}CHANNELS) applies only to per-channel steps."));
        }

        try
        {
            return new ChannelSelection(channelStep, Names(text[(at + 1)..].TrimStart(), "CHANNELS"));
        }
        catch (ArgumentException e)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{StepLabel(index)} '{step}': {e.Message}"), e);
        }
    }

    private static IProcessingStep ParseOperation(string? step, string text, int? index)
    {
        var name = text.ToLowerInvariant();
        var parts = name.Split(':');

        // Registration's trailing ":crop" crops the frame to the common area.
        var crop = parts is ["register", .., "crop"];
        if (crop)
        {
            parts = parts[..^1];
        }

        try
        {
            return (parts[0], parts.Length) switch
            {
                ("level", 2) when parts[1] == "plane" => new PlaneLeveling(),
                ("level", 3) when parts[1] == "poly" => new PolynomialLeveling(Integer(parts[2], "K", 0, 3)),
                ("align-rows", 2) when parts[1] == "median" => new RowAlignment(RowAlignmentMethod.Median),
                ("align-rows", 2) when parts[1] == "mean" => new RowAlignment(RowAlignmentMethod.Mean),
                ("align-rows", 2) when parts[1] == "median-diff" => new RowAlignment(RowAlignmentMethod.MedianOfDifferences),
                ("align-rows", 2) when parts[1] == "trimmed" => new RowAlignment(RowAlignmentMethod.TrimmedMean),
                ("align-rows", 3) when parts[1] == "trimmed" => new RowAlignment(RowAlignmentMethod.TrimmedMean, trimFraction: Number(parts[2], "FRACTION", 0, 0.5)),
                ("align-rows", 3) when parts[1] == "poly" => new RowAlignment(RowAlignmentMethod.Polynomial, Integer(parts[2], "K", 0, 3)),
                ("scars", 1) => new ScarRemoval(),
                ("gauss", 2) => new GaussianFilter(Number(parts[1], "SIGMA", 0, 1000)),
                ("median", 2) => new MedianFilter(Integer(parts[1], "SIZE", 1, MedianFilter.MaxSize)),
                ("lowpass", 2) => new FftFilter(FftFilterKind.LowPass, Number(parts[1], "F", 0, 0.5, exclusiveMin: true)),
                ("highpass", 2) => new FftFilter(FftFilterKind.HighPass, Number(parts[1], "F", 0, 0.5, exclusiveMin: true)),
                ("bandpass", 3) => Band(parts[1], parts[2], (low, high) => new FftFilter(FftFilterKind.BandPass, low, high), exclusiveMin: true),
                ("notch-rows", 3) => Band(parts[1], parts[2], (low, high) => new RowNotchFilter(low, high), exclusiveMin: false),
                ("fix-zero", 1) => new ZeroOffset(ZeroOffsetMode.FixZero),
                ("zero-mean", 1) => new ZeroOffset(ZeroOffsetMode.ZeroMean),
                ("offset", 2) => new ZeroOffset(ZeroOffsetMode.Offset, Number(parts[1], "VALUE", -1e30, 1e30)),
                ("level-masked", 2) when parts[1] == "plane" => new MaskedLeveling(1),
                ("level-masked", 3) when parts[1] == "plane" => new MaskedLeveling(1, Number(parts[2], "K", 0, 10)),
                ("level-masked", 3) when parts[1] == "poly" => new MaskedLeveling(Integer(parts[2], "D", 2, 3)),
                ("level-masked", 4) when parts[1] == "poly" => new MaskedLeveling(Integer(parts[2], "D", 2, 3), Number(parts[3], "K", 0, 10)),
                ("tip-dilate", 2) => TipStep.Paraboloid(TipOperation.Dilate, Number(parts[1], "RADIUS_NM", 0, 10_000, exclusiveMin: true, exclusiveMax: true)),
                ("tip-erode", 2) when parts[1] == "blind" => TipStep.BlindErosion(),
                ("tip-erode", 3) when parts[1] == "blind" => TipStep.BlindErosion(Integer(parts[2], "SIZE", 1, (2 * TipStep.MaxHalfSize) + 1)),
                ("tip-erode", 4) when parts[1] == "blind" => TipStep.BlindErosion(Integer(parts[2], "SIZE", 1, (2 * TipStep.MaxHalfSize) + 1), Number(parts[3], "THRESHOLD_NM", 0, 1e6)),
                ("tip-erode", 2) => TipStep.Paraboloid(TipOperation.Erode, Number(parts[1], "RADIUS_NM", 0, 10_000, exclusiveMin: true, exclusiveMax: true)),
                ("register", 1) => new FrameRegistration(RegistrationMode.All, crop: crop),
                ("register", 2) when parts[1] == "retrace" => new FrameRegistration(RegistrationMode.Retrace, crop: crop),
                ("register", 3) when parts[1] == "retrace" && parts[2] == "lines" => new FrameRegistration(RegistrationMode.RetraceLines, crop: crop),
                ("register", 2) when parts[1] == "probes" => new FrameRegistration(RegistrationMode.Probes, crop: crop),
                ("register", 3) when parts[1] == "probes" => new FrameRegistration(RegistrationMode.Probes, Names(parts[2], "PROBES"), crop: crop),
                ("register", 4) when parts[1] == "probes" => new FrameRegistration(RegistrationMode.Probes, Names(parts[2], "PROBES"), Names(parts[3], "REFERENCE"), crop: crop),
                ("merge-retrace", 1) => new TraceRetraceMerge(),
                ("merge-retrace", 2) => new TraceRetraceMerge(Number(parts[1], "K", 0, 100, exclusiveMin: true)),
                ("register", 2) when parts[1] == "midpoint" && !crop => new MidpointRegistration(),
                ("register", 3) when parts[1] == "midpoint" && !crop => new MidpointRegistration(Integer(parts[2], "K", 0, 3)),
                _ => throw new FormatException(string.Create(CultureInfo.InvariantCulture,
                    $"{StepLabel(index)} '{step}' is unknown; known steps: {string.Join(", ", KnownSteps)}.")),
            };
        }
        catch (ArgumentException e)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{StepLabel(index)} '{step}': {e.Message}"), e);
        }
    }

    private static string[] Names(string text, string parameter)
    {
        var names = text.Split('+', StringSplitOptions.TrimEntries);
        return names.All(n => n.Length > 0 && n.All(ch => char.IsLetterOrDigit(ch) || ch is '_' or '-' or '.'))
            ? names
            : throw new ArgumentException($"parameter {parameter} = '{text}' must be channel names joined by '+' (letters, digits, _ - .).");
    }

    private static int Integer(string text, string parameter, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"parameter {parameter} = '{text}' must be an integer from {min} to {max}.");

    private static double Number(string text, string parameter, double min, double max, bool exclusiveMin = false, bool exclusiveMax = false) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && (exclusiveMin ? value > min : value >= min) && (exclusiveMax ? value < max : value <= max)
            ? value
            : throw new ArgumentException(
                $"parameter {parameter} = '{text}' must be a number from {min} ({(exclusiveMin ? "exclusive" : "inclusive")}) to {max}{(exclusiveMax ? " (exclusive)" : string.Empty)}.");

    private static GridOperation Band(string lowText, string highText, Func<double, double, GridOperation> create, bool exclusiveMin)
    {
        var low = Number(lowText, "F1", 0, 0.5, exclusiveMin);
        var high = Number(highText, "F2", 0, 0.5, exclusiveMin: true);
        return high > low
            ? create(low, high)
            : throw new ArgumentException($"parameter F2 = '{highText}' must be above F1 = '{lowText}'.");
    }
}
