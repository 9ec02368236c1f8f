using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AfmEdge.Core;
using AfmEdge.Inference.Network;

namespace AfmEdge.Inference.Native;

/// <summary>
/// The CPU engine: every 3×3 layer as Winograd F(4×4, 3×3) in SIMD C# (Vector512 where the hardware has it, else
/// Vector256, else Vector128 as on the ARM board's NEON), bias and LeakyReLU fused into the output transform, the
/// bicubic skip and DepthToSpace fused into the last store, the layers run together down the tile in rolling bands.
/// F(4×4, 3×3) does 36 multiplies per 4×4 block and channel pair (2.25 per output) where the direct convolution does
/// 9 per output and F(2×2, 3×3) 4 (`afmedge bench enhance`, 8 layers × 32 features at 256² on a loaded 2-core machine:
/// ×1.0–1.1 ONNX Runtime's throughput with F(2×2), ×1.4–1.7 with F(4×4)); a direct
/// convolution already runs near this class of core's FMA peak (as ONNX Runtime does), so doing fewer is what makes
/// this engine faster. All buffers are sized once, for the largest tile, at construction: Run allocates nothing.
/// <para>
/// Layer fusion: a layer's block row needs only the previous layer's block rows just above, at and below it, so all
/// layers step down the tile together, each one block row behind the one before, and a hidden layer's output lives
/// in a ring of a few rows (<see cref="RingRows"/>) that the next layer reads while they are still in cache, instead of
/// a whole-tile buffer (8 MB for 32 channels at 256²) that was written out and read back once per layer (fusion4 when it
/// was 7 layers × 32 features, at 256² on one thread of a loaded 2-core Zen 5: ≈ 25 → ≈ 15 ms of thread CPU per frame, with the buffers on cache
/// lines; the transforms, which stream the activations, had taken as long as the multiply). With several
/// threads each takes a band of block rows and computes the few block rows of each hidden layer that its neighbour's
/// band also needs itself (the same operations on the same inputs, so the same bits; ≈ 9 % more work for 7 layers and
/// two bands at 256²), and the threads never wait for each other. Every block is computed exactly as the layer-by-layer schedule computes it, so the results are bitwise
/// the same.
/// </para>
/// <para>
/// Where the time goes (fusion4 at 7 layers × 32 features, 256², one thread of a loaded 2-core Zen 5, thread CPU time, stages left out one at a
/// time): the multiply ≈ 8 ms, 49.6 M 512-bit FMAs at ≈ 92 % of the core's measured FMA rate; the input transform
/// ≈ 2.8 ms and the output transform ≈ 2 ms, both several times their operation count, waiting on the rings' lines;
/// normalise and final ≈ 0.5 ms. Tried and measured no faster (within ±2 %): software prefetch of the next channel's
/// or the next layer's rows, 128-wide tiles (half the rows per step: a column strip), 2 MB pages (madvise), the input transform
/// over whole rows, M laid out by channel, writing outputs over the rows just read, the next chunk's input transform
/// interleaved with the multiply (10 % slower), valignd in place of the two line-straddling loads (4 % slower), a block
/// row's first two row transforms carried over from the block row above instead of redone (fusion4 at 6 × 24, 256²,
/// two threads: ≈ 4 % slower; per vector of blocks and channel it saves 20 loads and 28 operations but stores and reads
/// back 12 vectors, 73 KB more per layer and worker, in caches the rings already overflow).
/// </para>
/// </summary>
public sealed unsafe class NativeEngine : IEnhancementEngine, IGangWork
{
    private const int NormaliseStage = -1;
    private const int FinalStage = -2;
    private const int FusedStage = -3;

    // Blocks transformed, multiplied and transformed back in one go: their V and M (≈ 220 KB each for 32 channels)
    // stay in L2 between the stages, where a whole row's did not (measured with F(2×2): ≈ 10 % faster per layer).
    private const int ChunkBlocks = 32;

    private const int RowsPerGrab = 2;

    // Image rows per claim in the normalise and final stages; the bicubic skip recomputes two rows either side of each run.
    private const int ImageRowsPerGrab = 32;

    // Stored rows in a hidden layer's ring. When layer l writes block row b + 1 (stored rows 4b + 5 … 4b + 8, and at the
    // tile's foot zeros up to 4b + 9), layer l + 1 still has to read block row b's window, stored rows 4b … 4b + 5:
    // ten distinct rows; two more keep a band's first steps (three block rows written before the first read) apart.
    private const int RingRows = 12;

    private readonly WinogradLayer[] _layers;
    private readonly LayerSchedule _schedule;
    private readonly ActivationLayout _frameLayout;
    private readonly ActivationLayout _ringLayout;

    // Whole-tile buffers. Layer by layer: ping and pong, every layer's input and output in turn. Fused: the normalised
    // input and the last layer's output (the residual the final stage adds), whose planes are few.
    private readonly AlignedBuffer _first;
    private readonly AlignedBuffer _second;

    // Fused: per worker, the ring of each hidden layer's output (layer l's at l).
    private readonly AlignedBuffer[][] _rings;
    private readonly AlignedBuffer[] _transformed;
    private readonly AlignedBuffer[] _products;
    private readonly float[][] _bicubicScratch;
    private readonly WorkerGang _gang;
    private readonly int _maxWidth;
    private readonly int _maxHeight;

    // The current Run, read by the gang's workers while Run waits for them.
    private float* _input;
    private float* _output;
    private int _width;
    private int _height;
    private int _blocks;
    private int _blockRows;
    private int _paddedBlocks;
    private int _bands;
    private ScratchLayout _scratch;
    private int _stage;

    /// <param name="network">The network to run.</param>
    /// <param name="maxTileWidth">The widest tile <see cref="Run"/> will be given.</param>
    /// <param name="maxTileHeight">The tallest tile <see cref="Run"/> will be given.</param>
    /// <param name="threads">Threads that share each tile (the caller's included).</param>
    /// <param name="vectorBits">512, 256 or 128 to force a vector width (tests, comparisons); 0 picks <see cref="WidestVectorBits"/>.</param>
    public NativeEngine(EnhancerNetwork network, int maxTileWidth, int maxTileHeight, int threads = 1, int vectorBits = 0)
        : this(network, maxTileWidth, maxTileHeight, threads, vectorBits, LayerSchedule.Fused)
    {
    }

    /// <param name="network">The network to run.</param>
    /// <param name="maxTileWidth">The widest tile <see cref="Run"/> will be given.</param>
    /// <param name="maxTileHeight">The tallest tile <see cref="Run"/> will be given.</param>
    /// <param name="threads">Threads that share each tile (the caller's included).</param>
    /// <param name="vectorBits">512, 256 or 128 to force a vector width; 0 picks <see cref="WidestVectorBits"/>.</param>
    /// <param name="schedule">Fused bands, or layer by layer over whole-tile buffers (the reference the tests hold the fused schedule to).</param>
    internal NativeEngine(EnhancerNetwork network, int maxTileWidth, int maxTileHeight, int threads, int vectorBits, LayerSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTileWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTileHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        VectorBits = vectorBits switch
        {
            0 => WidestVectorBits,
            512 or 256 or 128 => vectorBits,
            _ => throw new ArgumentOutOfRangeException(nameof(vectorBits), vectorBits, "The vector width must be 0 (best), 128, 256 or 512 bits."),
        };

        if (schedule is not (LayerSchedule.Fused or LayerSchedule.LayerByLayer))
        {
            throw new ArgumentOutOfRangeException(nameof(schedule), schedule, "The schedule must be Fused or LayerByLayer.");
        }

        Network = network;
        _schedule = schedule;
        _maxWidth = maxTileWidth;
        _maxHeight = maxTileHeight;
        _layers = [.. network.Layers.Select(l => new WinogradLayer(l))];
        var maxPadded = PaddedBlocks((maxTileWidth + 3) / 4);
        _frameLayout = ActivationLayout.Frame(maxPadded, maxTileHeight);
        // A tile shorter than the ring never wraps it: the whole tile's rows are then enough.
        _ringLayout = ActivationLayout.Ring(maxPadded, Math.Min(RingRows, _frameLayout.Rows));
        if (schedule == LayerSchedule.LayerByLayer)
        {
            var channels = Math.Max(network.InputChannels.Count, network.Layers.Max(l => l.OutChannels));
            _first = new AlignedBuffer(channels * _frameLayout.PlaneStride);
            _second = new AlignedBuffer(channels * _frameLayout.PlaneStride);
            _rings = [];
        }
        else
        {
            _first = new AlignedBuffer(network.InputChannels.Count * _frameLayout.PlaneStride);
            _second = new AlignedBuffer(_layers[^1].OutChannels * _frameLayout.PlaneStride);
            _rings = [.. Enumerable.Range(0, threads).Select(_ => _layers[..^1].Select(l => new AlignedBuffer(l.OutChannels * _ringLayout.PlaneStride)).ToArray())];
        }

        var maxIn = network.Layers.Max(l => l.InChannels);
        var maxOut = _layers.Max(l => l.PaddedOutChannels);
        _gang = new WorkerGang(threads, "NativeEngine");
        var scratch = new ScratchLayout(Math.Min(ChunkBlocks, maxPadded));
        _transformed = [.. Enumerable.Range(0, threads).Select(_ => new AlignedBuffer(scratch.Size(maxIn)))];
        _products = [.. Enumerable.Range(0, threads).Select(_ => new AlignedBuffer(scratch.Size(maxOut)))];
        _bicubicScratch = [.. Enumerable.Range(0, threads).Select(_ => new float[2 * maxTileWidth * maxTileHeight])];
    }

    public string Name => "native";

    public EnhancerNetwork Network { get; }

    /// <summary>The vector width the kernels run at (512, 256 or 128 bits).</summary>
    public int VectorBits { get; }

    /// <summary>
    /// The width the engine takes by default: 512 bits wherever <see cref="VectorWidth.Has512"/> (AVX-512, also where .NET
    /// prefers 256-bit vectors), else 256, else 128 (NEON). This engine is bound by its FMAs: on a 2-core Cascade Lake
    /// Xeon, where .NET prefers 256, 512 bits gave ×1.63–1.78 ONNX Runtime's throughput and 256 gave ×1.11
    /// (`afmedge bench enhance --vector-bits 512|256`, one run each, alternating).
    /// </summary>
    public static int WidestVectorBits { get; } =
        VectorWidth.Has512 ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128;

    public int Threads => _gang.Workers;

    /// <inheritdoc cref="TileHaloFor"/>
    public int TileHalo => TileHaloFor(Network);

    /// <summary>Bytes allocated by the engine's worker threads (not the caller's) since it was created.</summary>
    public long WorkerAllocatedBytes => _gang.WorkerAllocatedBytes;

    /// <summary>Floats held in buffers for the largest tile (activations, transforms, scratch), for memory reports.</summary>
    public long BufferFloats =>
        (long)_first.Length + _second.Length + _rings.Sum(r => r.Sum(b => (long)b.Length)) + _transformed.Sum(t => (long)t.Length) +
        _products.Sum(p => (long)p.Length) + _bicubicScratch.Sum(s => s.LongLength);

    /// <summary>
    /// The halo tiles need for this engine's result to be bitwise the full-frame result: two pixels per layer, twice the
    /// receptive radius. An F(4×4, 3×3) output's rounding involves window samples its 3×3 support leaves out (phase 0
    /// of a block rounds with columns 4t − 1 … 4t + 3, phase 3 with 4t … 4t + 4), so a wrong sample at a tile's edge
    /// reaches one pixel further in every other layer than the convolution itself does; worked through, the wrong
    /// band grows by 1, 4, 5, 8, … pixels after 1, 2, 3, 4, … layers.
    /// </summary>
    public static int TileHaloFor(EnhancerNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Math.Max(network.ReceptiveRadius, 2 * network.Layers.Count);
    }

    public void Run(ReadOnlySpan<float> input, int width, int height, Span<float> output)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, _maxWidth);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, _maxHeight);
        var inputs = Network.InputChannels.Count;
        var outputs = Network.OutputChannels.Count;
        if (input.Length != inputs * width * height)
        {
            throw new ArgumentException($"A {width}×{height} tile of {inputs} channels has {inputs * width * height} samples, not {input.Length}.", nameof(input));
        }

        if (output.Length != outputs * 4 * width * height)
        {
            throw new ArgumentException($"The output of a {width}×{height} tile has {outputs * 4 * width * height} samples, not {output.Length}.", nameof(output));
        }

        _width = width;
        _height = height;
        _blocks = (width + 3) / 4;
        _blockRows = (height + 3) / 4;
        _paddedBlocks = PaddedBlocks(_blocks);
        _bands = Math.Min(Threads, _blockRows);
        _scratch = new ScratchLayout(Math.Min(ChunkBlocks, _paddedBlocks));

        // Image rows height … height + 3 are the bottom padding the last block row reads; earlier, taller tiles
        // may have left samples there, and the layers never store past the image. Row −1 is never written.
        ClearBelow(_first, height);
        ClearBelow(_second, height);

        fixed (float* source = input)
        fixed (float* target = output)
        {
            _input = source;
            _output = target;
            try
            {
                _stage = NormaliseStage;
                _gang.Run(this, height, ImageRowsPerGrab);
                if (_schedule == LayerSchedule.Fused)
                {
                    _stage = FusedStage;
                    _gang.Run(this, _bands, 1);
                }
                else
                {
                    for (var l = 0; l < _layers.Length; l++)
                    {
                        _stage = l;
                        _gang.Run(this, _blockRows, RowsPerGrab);
                    }
                }

                _stage = FinalStage;
                _gang.Run(this, height, ImageRowsPerGrab);
            }
            finally
            {
                _input = null;
                _output = null;
            }
        }
    }

    public void Dispose() => _gang.Dispose();

    void IGangWork.Execute(int worker, int first, int end)
    {
        switch (_stage)
        {
            case NormaliseStage:
                Normalise(first, end, worker);
                break;
            case FinalStage:
                Final(first, end, worker);
                break;
            default:
                switch (VectorBits)
                {
                    case 512:
                        Layers<Vector512<float>, Vector512Ops>(worker, first, end);
                        break;
                    case 256:
                        Layers<Vector256<float>, Vector256Ops>(worker, first, end);
                        break;
                    default:
                        Layers<Vector128<float>, Vector128Ops>(worker, first, end);
                        break;
                }

                break;
        }
    }

    private int PaddedBlocks(int blocks)
    {
        var lanes = VectorBits / 32;
        return (blocks + lanes - 1) / lanes * lanes;
    }

    private void ClearBelow(AlignedBuffer buffer, int height)
    {
        for (var plane = 0; plane < buffer.Length / _frameLayout.PlaneStride; plane++)
        {
            buffer.Slice((plane * _frameLayout.PlaneStride) + ((height + 1) * _frameLayout.RowStride), 4 * _frameLayout.RowStride).Clear();
        }
    }

    // The normalised input is in the first whole-tile buffer. Layer by layer, layer l reads buffer l % 2 and writes
    // the other; fused, the last layer writes the second and the hidden layers' outputs are the worker's rings.
    private AlignedBuffer Frame(int activation) =>
        _schedule == LayerSchedule.Fused ? (activation == 0 ? _first : _second) : (activation % 2 == 0 ? _first : _second);

    private void Layers<TVector, TOps>(int worker, int first, int end)
        where TVector : struct
        where TOps : struct, IVectorOps<TVector>
    {
        if (_stage != FusedStage)
        {
            // Layer by layer: block rows [first, end) of layer _stage. The gang hands out runs of RowsPerGrab block rows
            // from a shared counter rather than a fixed half, so a worker the OS preempts delays the layer by one run,
            // not by half a layer.
            for (var by = first; by < end; by++)
            {
                LayerRow<TVector, TOps>(worker, _stage, ref Frame(_stage).Start, _frameLayout, ref Frame(_stage + 1).Start, _frameLayout, by);
            }

            return;
        }

        for (var band = first; band < end; band++)
        {
            Band<TVector, TOps>(worker, band);
        }
    }

    /// <summary>
    /// Every layer over the block rows of one band: at step s layer l does block row s − l, after layer l − 1 has done
    /// block row s − l + 1, the last its window reads. To give the band's block rows [lo, hi) of the last layer, layer l
    /// does [lo − d, hi + d) (d = layers after it), the block rows the neighbouring bands' windows reach into.
    /// </summary>
    private void Band<TVector, TOps>(int worker, int band)
        where TVector : struct
        where TOps : struct, IVectorOps<TVector>
    {
        var layers = _layers.Length;
        var lo = (int)((long)_blockRows * band / _bands);
        var hi = (int)((long)_blockRows * (band + 1) / _bands);
        var rings = _rings[worker];

        // Stored row 0 (image row −1) is the top padding of every hidden layer's output; a band that starts lower
        // writes its first rows before reading them.
        for (var l = 0; l < rings.Length; l++)
        {
            for (var c = 0; c < _layers[l].OutChannels; c++)
            {
                rings[l].Slice(c * _ringLayout.PlaneStride, _ringLayout.RowStride).Clear();
            }
        }

        var firstStep = Math.Max(0, lo - (layers - 1));
        var endStep = Math.Min(_blockRows, hi) + layers - 1;
        for (var step = firstStep; step < endStep; step++)
        {
            for (var l = 0; l < layers; l++)
            {
                var reach = layers - 1 - l;
                var by = step - l;
                if (by < Math.Max(0, lo - reach) || by >= Math.Min(_blockRows, hi + reach))
                {
                    continue;
                }

                ref var source = ref (l == 0 ? ref _first.Start : ref rings[l - 1].Start);
                if (l == layers - 1)
                {
                    LayerRow<TVector, TOps>(worker, l, ref source, l == 0 ? _frameLayout : _ringLayout, ref _second.Start, _frameLayout, by);
                    continue;
                }

                LayerRow<TVector, TOps>(worker, l, ref source, l == 0 ? _frameLayout : _ringLayout, ref rings[l].Start, _ringLayout, by);
                if (by == _blockRows - 1)
                {
                    // The next layer's last window reads stored rows up to 4·blockRows + 1: those past the image are padding.
                    for (var c = 0; c < _layers[l].OutChannels; c++)
                    {
                        for (var row = _height + 1; row <= (4 * _blockRows) + 1; row++)
                        {
                            rings[l].Slice((c * _ringLayout.PlaneStride) + (int)_ringLayout.RowOffset(row), _ringLayout.RowStride).Clear();
                        }
                    }
                }
            }
        }
    }

    private void LayerRow<TVector, TOps>(
        int worker, int index, ref float source, in ActivationLayout sourceLayout, ref float destination, in ActivationLayout destinationLayout, int by)
        where TVector : struct
        where TOps : struct, IVectorOps<TVector>
    {
        // Block row by covers image rows 4by … 4by + 3 and reads rows 4by − 1 … 4by + 4 (stored rows 4by … 4by + 5).
        // Chunks run left to right: the zero a chunk stores past its end (p0[t0 + count]) is overwritten by the next.
        var layer = _layers[index];
        ref var v = ref _transformed[worker].Start;
        ref var m = ref _products[worker].Start;
        var rows = Math.Min(4, _height - (4 * by));
        for (var t0 = 0; t0 < _paddedBlocks; t0 += ChunkBlocks)
        {
            var count = Math.Min(ChunkBlocks, _paddedBlocks - t0);
            WinogradKernels<TVector, TOps>.InputTransform(ref Unsafe.Add(ref source, t0), sourceLayout, 4 * by, layer.InChannels, count, _scratch, ref v);
            WinogradKernels<TVector, TOps>.Multiply(layer, ref v, count, _scratch, ref m);
            WinogradKernels<TVector, TOps>.OutputTransform(
                layer, ref m, count, _scratch, ref Unsafe.Add(ref destination, t0), destinationLayout, (4 * by) + 1, rows, _width - (4 * t0));
        }
    }

    /// <summary>n = (x − mean) / std into the phase rows of the first buffer, padding columns zeroed.</summary>
    private void Normalise(int firstRow, int endRow, int worker)
    {
        var plane = _width * _height;
        var input = new ReadOnlySpan<float>(_input, Network.InputChannels.Count * plane);
        var normalised = _bicubicScratch[worker].AsSpan(0, _width);
        for (var c = 0; c < Network.InputChannels.Count; c++)
        {
            var mean = Network.Mean[c];
            var std = Network.Std[c];
            for (var y = firstRow; y < endRow; y++)
            {
                var source = input.Slice((c * plane) + (y * _width), _width);
                var row = _first.Slice((c * _frameLayout.PlaneStride) + ((y + 1) * _frameLayout.RowStride), _frameLayout.RowStride);

                // Whole groups of four blocks normalised and dealt out by phase in vectors; the rest as below.
                var t = PhaseShuffle.Normalise(source, mean, std, row, _frameLayout);
                var rest = normalised[(4 * t)..];
                if (4 * t < _width)
                {
                    // Vector subtract and divide round exactly as the scalar (x − mean) / std; then deal the row out by phase.
                    TensorPrimitives.Subtract(source[(4 * t)..], mean, rest);
                    TensorPrimitives.Divide(rest, std, rest);
                }

                var p0 = row[_frameLayout.Phase0..];
                var p1 = row[_frameLayout.Phase1..];
                var p2 = row[_frameLayout.Phase2..];
                var p3 = row[_frameLayout.Phase3..];
                for (; (4 * t) + 3 < _width; t++)
                {
                    p0[t] = normalised[4 * t];
                    p1[t] = normalised[(4 * t) + 1];
                    p2[t] = normalised[(4 * t) + 2];
                    p3[t] = normalised[(4 * t) + 3];
                }

                for (var x = 4 * t; x < _width; x++)
                {
                    row[_frameLayout.Phase(x & 3) + t] = normalised[x];
                }

                for (var phase = 0; phase < 4; phase++)
                {
                    // Columns 4t + phase at or past the width, and p0[padded blocks] (the last block's right neighbour).
                    var first = Math.Max(0, (_width - phase + 3) >> 2);
                    row.Slice(_frameLayout.Phase(phase) + first, _paddedBlocks - first + (phase == 0 ? 1 : 0)).Clear();
                }
            }
        }
    }

    /// <summary>out[o] = Bicubic×2(x[o]) + Std[o] · DepthToSpace(residual)[o] for this worker's input rows of every output channel.</summary>
    private void Final(int firstRow, int endRow, int worker)
    {
        var plane = _width * _height;
        var outPlane = 4 * plane;
        var residual = Frame(_layers.Length);
        for (var o = 0; o < Network.OutputChannels.Count; o++)
        {
            var sourceChannel = Network.OutputSourceIndex[o];
            var target = new Span<float>(_output + ((long)o * outPlane), outPlane);
            BicubicUpsampler.UpsampleRows(
                new ReadOnlySpan<float>(_input + ((long)sourceChannel * plane), plane), _width, _height, target, _bicubicScratch[worker], firstRow, endRow);
            var std = Network.Std[sourceChannel];
            for (var y = firstRow; y < endRow; y++)
            {
                for (var dy = 0; dy < 2; dy++)
                {
                    var row = target.Slice(((2 * y) + dy) * 2 * _width, 2 * _width);
                    var c0 = (4 * o) + (2 * dy);
                    var r0 = residual.Slice((c0 * _frameLayout.PlaneStride) + ((y + 1) * _frameLayout.RowStride), _frameLayout.RowStride);
                    var r1 = residual.Slice(((c0 + 1) * _frameLayout.PlaneStride) + ((y + 1) * _frameLayout.RowStride), _frameLayout.RowStride);
                    AddResidual(row, r0, r1, _frameLayout, std, _width);
                }
            }
        }
    }

    /// <summary>Output row position 2x + dx takes residual channel dx at column x, which sits in phase row x mod 4 at x / 4.</summary>
    private static void AddResidual(Span<float> row, ReadOnlySpan<float> dx0, ReadOnlySpan<float> dx1, in ActivationLayout layout, float std, int width)
    {
        var t = PhaseShuffle.AddResidual(row, dx0, dx1, layout, std);
        for (; (4 * t) + 3 < width; t++)
        {
            var x = 8 * t;
            row[x] += std * dx0[layout.Phase0 + t];
            row[x + 1] += std * dx1[layout.Phase0 + t];
            row[x + 2] += std * dx0[layout.Phase1 + t];
            row[x + 3] += std * dx1[layout.Phase1 + t];
            row[x + 4] += std * dx0[layout.Phase2 + t];
            row[x + 5] += std * dx1[layout.Phase2 + t];
            row[x + 6] += std * dx0[layout.Phase3 + t];
            row[x + 7] += std * dx1[layout.Phase3 + t];
        }

        for (var x = 4 * t; x < width; x++)
        {
            var at = layout.Phase(x & 3) + t;
            row[2 * x] += std * dx0[at];
            row[(2 * x) + 1] += std * dx1[at];
        }
    }
}
