namespace AfmEdge.Inference.Training;

/// <summary>
/// One training patch's field decoys: smooth, elongated Gaussian blobs (about a chromosome's size) added to some
/// input channels, never to another channel's target. In the simulator a dip in Current or Adhesion always comes
/// with chromatin, so a network learns to draw height wherever the fields dip; decoys show it field variations with
/// no height under them (<see cref="TrainerOptions.DecoyProbability"/>). A decoy channel that the network also
/// outputs gets its blobs in its target too (<see cref="AddToResidual"/>): there they are part of the field.
/// The parameters are drawn once per patch (serially, from the trainer's decoy generator) and then added to each
/// named plane, so the result does not depend on which thread fills which patch.
/// </summary>
internal sealed class FieldDecoys
{
    private readonly Blob[] _blobs;
    private readonly float[] _amplitudes;
    private readonly int _channels;
    private float[]? _low;
    private float[]? _high;

    /// <param name="maxBlobs">The most blobs one patch may get.</param>
    /// <param name="channels">How many decoy channels each blob has an amplitude for.</param>
    public FieldDecoys(int maxBlobs, int channels)
    {
        _blobs = new Blob[maxBlobs];
        _amplitudes = new float[maxBlobs * channels];
        _channels = channels;
    }

    /// <summary>Blobs drawn for the current patch (0: the patch has no decoys).</summary>
    public int Count { get; private set; }

    /// <summary>
    /// Draws this patch's decoys: with <see cref="TrainerOptions.DecoyProbability"/>, 1 to
    /// <see cref="TrainerOptions.DecoyBlobs"/> blobs centred anywhere in the <paramref name="patch"/>² patch, width
    /// (Gaussian σ across) uniform in [DecoyWidthMin, DecoyWidthMax] low-resolution pixels, 1–4 times as long, any
    /// direction, and per channel an amplitude uniform in ±DecoyAmplitude normalised units (independent signs, so the
    /// channels also vary against each other).
    /// </summary>
    public void Draw(SplitMix64 random, TrainerOptions options, int patch)
    {
        Count = 0;
        if (random.NextDouble() >= options.DecoyProbability)
        {
            return;
        }

        Count = 1 + random.NextInt(_blobs.Length);
        for (var b = 0; b < Count; b++)
        {
            var across = options.DecoyWidthMin + ((options.DecoyWidthMax - options.DecoyWidthMin) * random.NextDouble());
            var along = across * (1 + (3 * random.NextDouble()));
            var angle = Math.PI * random.NextDouble();
            _blobs[b] = new Blob(
                (float)(patch * random.NextDouble()), (float)(patch * random.NextDouble()),
                (float)Math.Cos(angle), (float)Math.Sin(angle),
                (float)(0.5 / (along * along)), (float)(0.5 / (across * across)));
            for (var c = 0; c < _channels; c++)
            {
                _amplitudes[(b * _channels) + c] = (float)(options.DecoyAmplitude * ((2 * random.NextDouble()) - 1));
            }
        }
    }

    /// <summary>
    /// Adds the drawn blobs for decoy channel <paramref name="channel"/> to a <paramref name="patch"/>² plane stored
    /// with row <paramref name="stride"/> from <paramref name="origin"/> (the training graph's padded input plane).
    /// </summary>
    public void AddTo(int channel, Span<float> plane, int patch, int stride, int origin)
    {
        for (var b = 0; b < Count; b++)
        {
            var blob = _blobs[b];
            var amplitude = _amplitudes[(b * _channels) + channel];
            for (var y = 0; y < patch; y++)
            {
                var dy = y - blob.Y;
                var row = plane.Slice(origin + (y * stride), patch);
                for (var x = 0; x < patch; x++)
                {
                    row[x] += amplitude * blob.Shape(x - blob.X, dy);
                }
            }
        }
    }

    /// <summary>
    /// Adds decoy channel <paramref name="channel"/>'s blobs to its own (2·<paramref name="patch"/>)² residual target:
    /// the target is truth − bicubic(input), and the decoyed input's bicubic skip already carries bicubic(blobs), so
    /// what the truth gains beyond it is blobs − bicubic(blobs) at the high-resolution pixels (tiny for blobs this
    /// smooth, but exact). High-resolution pixel X sits at low-resolution X/2 − ¼, as the upsampler has it.
    /// </summary>
    public void AddToResidual(int channel, Span<float> target, int patch)
    {
        if (Count == 0)
        {
            return;
        }

        // The blobs on the low-resolution grid with the bicubic's two-pixel reach around the patch.
        const int Pad = 2;
        var side = patch + (2 * Pad);
        var low = _low is { Length: var l } && l == side * side ? _low : _low = new float[side * side];
        var high = _high is { Length: var h } && h == 4 * side * side ? _high : _high = new float[4 * side * side];
        for (var y = 0; y < side; y++)
        {
            for (var x = 0; x < side; x++)
            {
                low[(y * side) + x] = Value(channel, x - Pad, y - Pad);
            }
        }

        BicubicUpsampler.Upsample(low, side, side, high);
        var outPatch = 2 * patch;
        for (var y = 0; y < outPatch; y++)
        {
            var upsampled = high.AsSpan(((y + (2 * Pad)) * 2 * side) + (2 * Pad), outPatch);
            var row = target.Slice(y * outPatch, outPatch);
            for (var x = 0; x < outPatch; x++)
            {
                row[x] += Value(channel, (0.5f * x) - 0.25f, (0.5f * y) - 0.25f) - upsampled[x];
            }
        }
    }

    // All blobs of decoy channel `channel` at low-resolution patch position (x, y).
    private float Value(int channel, float x, float y)
    {
        var sum = 0f;
        for (var b = 0; b < Count; b++)
        {
            var blob = _blobs[b];
            sum += _amplitudes[(b * _channels) + channel] * blob.Shape(x - blob.X, y - blob.Y);
        }

        return sum;
    }

    private readonly record struct Blob(float X, float Y, float Cos, float Sin, float AlongFactor, float AcrossFactor)
    {
        /// <summary>The unit-height Gaussian at offset (<paramref name="dx"/>, <paramref name="dy"/>) from the centre.</summary>
        public float Shape(float dx, float dy)
        {
            var u = (dx * Cos) + (dy * Sin);
            var v = (dy * Cos) - (dx * Sin);
            return MathF.Exp(-((u * u * AlongFactor) + (v * v * AcrossFactor)));
        }
    }
}
