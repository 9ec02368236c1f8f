using System.Globalization;

namespace AfmEdge.Processing;

/// <summary>What <see cref="ZeroOffset"/> moves to zero, or the constant it adds.</summary>
public enum ZeroOffsetMode
{
    /// <summary>The minimum becomes 0 (Gwyddion's "Fix Zero"): "fix-zero".</summary>
    FixZero,

    /// <summary>The mean becomes 0 (Gwyddion's "Zero Mean Value"): "zero-mean".</summary>
    ZeroMean,

    /// <summary>A constant is added: "offset:VALUE" (in the channel's base unit).</summary>
    Offset,
}

/// <summary>Shifts a channel by a constant: its minimum or mean to zero, or by a given offset. Excluded pixels do not count.</summary>
public sealed class ZeroOffset : GridOperation
{
    public ZeroOffset(ZeroOffsetMode mode, double offset = 0)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Mode must be FixZero, ZeroMean or Offset.");
        }

        if (!double.IsFinite(offset) || (mode != ZeroOffsetMode.Offset && offset != 0))
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "Offset must be finite, and given only with mode Offset.");
        }

        Mode = mode;
        Offset = offset;
    }

    public ZeroOffsetMode Mode { get; }

    public double Offset { get; }

    public override string Name => Mode switch
    {
        ZeroOffsetMode.FixZero => "fix-zero",
        ZeroOffsetMode.ZeroMean => "zero-mean",
        _ => string.Create(CultureInfo.InvariantCulture, $"offset:{Offset}"),
    };

    public override int MinWidth => 1;

    public override int MinHeight => 1;

    public override void Run(ReadOnlySpan<float> input, Span<float> output, int width, int height, ReadOnlySpan<byte> exclude)
    {
        Check(input, output, width, height, exclude);
        var shift = Mode switch
        {
            ZeroOffsetMode.Offset => -Offset,
            ZeroOffsetMode.FixZero => exclude.IsEmpty ? System.Numerics.Tensors.TensorPrimitives.Min(input) : SurfaceStatistics.Compute(input, exclude).Min,
            _ => exclude.IsEmpty ? Simd.Sum(input) / input.Length : SurfaceStatistics.Compute(input, exclude).Mean,
        };
        Simd.SubtractDouble(input, shift, output);
    }
}

/// <summary>
/// Leveling that keeps features out of its own fit, as TopoStats does: level, mark the pixels more than
/// <see cref="Threshold"/> standard deviations above the levelled mean as features, and level the original again with
/// them excluded (with any exclusions the chain already had) — "level-masked:plane[:K]" or "level-masked:poly:D[:K]".
/// </summary>
public sealed class MaskedLeveling : GridOperation
{
    /// <summary>Features are what stands above mean + this many σ of the first leveling, by default.</summary>
    public const double DefaultThreshold = 1.0;

    private readonly GridOperation _level;

    public MaskedLeveling(int degree, double threshold = DefaultThreshold)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degree, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(degree, 3);
        if (!(threshold >= 0 && threshold <= 10))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "Feature threshold must be in [0, 10] standard deviations.");
        }

        Degree = degree;
        Threshold = threshold;
        _level = degree == 1 ? new PlaneLeveling() : new PolynomialLeveling(degree);
    }

    /// <summary>1 = plane, 2–3 = polynomial of that degree in x and y.</summary>
    public int Degree { get; }

    public double Threshold { get; }

    public override string Name
    {
        get
        {
            var surface = Degree == 1 ? "plane" : string.Create(CultureInfo.InvariantCulture, $"poly:{Degree}");
            return Threshold == DefaultThreshold ? "level-masked:" + surface : string.Create(CultureInfo.InvariantCulture, $"level-masked:{surface}:{Threshold}");
        }
    }

    public override void Run(ReadOnlySpan<float> input, Span<float> output, int width, int height, ReadOnlySpan<byte> exclude)
    {
        Check(input, output, width, height, exclude);
        _level.Run(input, output, width, height, exclude);
        var statistics = SurfaceStatistics.Compute(output, exclude);
        var limit = statistics.Mean + (Threshold * statistics.Sq);

        // Rented: the host levels every frame's height with this step, and a frame-sized mask per frame is garbage.
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(input.Length);
        try
        {
            var mask = rented.AsSpan(0, input.Length);
            var background = 0;
            for (var i = 0; i < mask.Length; i++)
            {
                mask[i] = (byte)((!exclude.IsEmpty && exclude[i] != 0) || output[i] > limit ? 1 : 0);
                background += 1 - mask[i];
            }

            // With (almost) everything a feature there is no background to fit: the first leveling stands.
            if (background >= 2 * (Degree + 1) * (Degree + 1))
            {
                _level.Run(input, output, width, height, mask);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
