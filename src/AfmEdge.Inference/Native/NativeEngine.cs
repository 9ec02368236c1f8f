using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AfmEdge.Inference.Network;

namespace AfmEdge.Inference.Native;

/// <summary>
/// The CPU engine: every 3×3 layer as Winograd F(4×4, 3×3) in SIMD C# (Vector512 where the hardware has it, else
/// Vector256, else Vector128 as on the ARM board's NEON), bias and LeakyReLU fused into the output transform, the
/// bicubic skip and DepthToSpace fused into the last store, rows of 4×4 blocks shared among a fixed gang of threads.
/// F(4×4, 3×3) does 36 multiplies per 4×4 block and channel pair (2.25 per output) where the direct convolution does
/// 9 per output and F(2×2, 3×3) 4 (`afmedge bench enhance`, 8 layers × 32 features at 256² on a loaded 2-core machine:
/// ×1.0–1.1 ONNX Runtime's throughput with F(2×2), ×1.4–1.7 with F(4×4)); a direct
/// convolution already runs near this class of core's FMA peak (as ONNX Runtime does), so doing fewer is what makes
/// this engine faster. All buffers are sized once, for the largest tile, at construction: Run allocates nothing.
/// </summary>
public sealed unsafe class NativeEngine : IEnhancementEngine, IGangWork
{
    private const int NormaliseStage = -1;
    private const int FinalStage = -2;

    // Blocks transformed, multiplied and transformed back in one go: their V and M (≈ 220 KB each for 32 channels)
    // stay in L2 between the stages, where a whole row's did not (measured with F(2×2): ≈ 10 % faster per layer).
    private const int ChunkBlocks = 32;

    private const int RowsPerGrab = 2;

    // Image rows per claim in the normalise and final stages; the bicubic skip recomputes two rows either side of each run.
    private const int ImageRowsPerGrab = 32;

    private readonly WinogradLayer[] _layers;
    private readonly ActivationLayout _layout;
    private readonly AlignedBuffer _ping;
    private readonly AlignedBuffer _pong;
    private readonly AlignedBuffer[] _transformed;
    private readonly AlignedBuffer[] _products;
    private readonly float[][] _bicubicScratch;
    private readonly WorkerGang _gang;
    private readonly int _maxWidth;
    private readonly int _maxHeight;
    private readonly int _channels;

    // The current Run, read by the gang's workers while Run waits for them.
    private float* _input;
    private float* _output;
    private int _width;
    private int _height;
    private int _blocks;
    private int _paddedBlocks;
    private ScratchLayout _scratch;
    private int _stage;

    /// <param name="network">The network to run.</param>
    /// <param name="maxTileWidth">The widest tile <see cref="Run"/> will be given.</param>
    /// <param name="maxTileHeight">The tallest tile <see cref="Run"/> will be given.</param>
    /// <param name="threads">Threads that share each tile (the caller's included).</param>
    /// <param name="vectorBits">512, 256 or 128 to force a vector width (tests, comparisons); 0 picks the widest accelerated.</param>
    public NativeEngine(EnhancerNetwork network, int maxTileWidth, int maxTileHeight, int threads = 1, int vectorBits = 0)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTileWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTileHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        VectorBits = vectorBits switch
        {
            0 => Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128,
            512 or 256 or 128 => vectorBits,
            _ => throw new ArgumentOutOfRangeException(nameof(vectorBits), vectorBits, "The vector width must be 0 (best), 128, 256 or 512 bits."),
        };

        Network = network;
        _maxWidth = maxTileWidth;
        _maxHeight = maxTileHeight;
        _layers = [.. network.Layers.Select(l => new WinogradLayer(l))];
        _channels = Math.Max(network.InputChannels.Count, network.Layers.Max(l => l.OutChannels));
        var maxPadded = PaddedBlocks((maxTileWidth + 3) / 4);
        _layout = new ActivationLayout(maxPadded, maxTileHeight);
        _ping = new AlignedBuffer(_channels * _layout.PlaneStride);
        _pong = new AlignedBuffer(_channels * _layout.PlaneStride);
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

    public int Threads => _gang.Workers;

    /// <inheritdoc cref="TileHaloFor"/>
    public int TileHalo => TileHaloFor(Network);

    /// <summary>Bytes allocated by the engine's worker threads (not the caller's) since it was created.</summary>
    public long WorkerAllocatedBytes => _gang.WorkerAllocatedBytes;

    /// <summary>Floats held in buffers for the largest tile (activations, transforms, scratch), for memory reports.</summary>
    public long BufferFloats =>
        (long)_ping.Length + _pong.Length + _transformed.Sum(t => (long)t.Length) + _products.Sum(p => (long)p.Length) + _bicubicScratch.Sum(s => s.LongLength);

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
        _paddedBlocks = PaddedBlocks(_blocks);
        _scratch = new ScratchLayout(Math.Min(ChunkBlocks, _paddedBlocks));

        // Image rows height … height + 3 are the bottom padding the last block row reads; earlier, taller tiles
        // may have left samples there, and the layers never store past the image. Row −1 is never written.
        for (var c = 0; c < _channels; c++)
        {
            _ping.Slice((c * _layout.PlaneStride) + ((height + 1) * _layout.RowStride), 4 * _layout.RowStride).Clear();
            _pong.Slice((c * _layout.PlaneStride) + ((height + 1) * _layout.RowStride), 4 * _layout.RowStride).Clear();
        }

        fixed (float* source = input)
        fixed (float* target = output)
        {
            _input = source;
            _output = target;
            try
            {
                _stage = NormaliseStage;
                _gang.Run(this, height, ImageRowsPerGrab);
                for (var l = 0; l < _layers.Length; l++)
                {
                    _stage = l;
                    _gang.Run(this, (height + 3) / 4, RowsPerGrab);
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
                        Layer<Vector512<float>, Vector512Ops>(_stage, worker, first, end);
                        break;
                    case 256:
                        Layer<Vector256<float>, Vector256Ops>(_stage, worker, first, end);
                        break;
                    default:
                        Layer<Vector128<float>, Vector128Ops>(_stage, worker, first, end);
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

    // Layer l reads the ping-pong buffer l % 2 and writes the other; the input goes into ping.
    private AlignedBuffer Source(int layer) => layer % 2 == 0 ? _ping : _pong;

    /// <summary>
    /// Block rows [<paramref name="first"/>, <paramref name="end"/>) of one layer. The gang hands out runs of
    /// <see cref="RowsPerGrab"/> block rows from a shared counter rather than a fixed half, so a worker the OS preempts
    /// delays the layer by one run, not by half a layer; within a run, consecutive block rows share two input rows that
    /// are still in the core's L2. Each row is computed the same whichever worker takes it.
    /// </summary>
    private void Layer<TVector, TOps>(int index, int worker, int first, int end)
        where TVector : struct
        where TOps : struct, IVectorOps<TVector>
    {
        var layer = _layers[index];
        ref var source = ref Source(index).Start;
        ref var destination = ref Source(index + 1).Start;
        ref var v = ref _transformed[worker].Start;
        ref var m = ref _products[worker].Start;
        for (var by = first; by < end; by++)
        {
            LayerRow<TVector, TOps>(layer, ref source, ref destination, ref v, ref m, by);
        }
    }

    private void LayerRow<TVector, TOps>(WinogradLayer layer, ref float source, ref float destination, ref float v, ref float m, int by)
        where TVector : struct
        where TOps : struct, IVectorOps<TVector>
    {
        // Block row by covers image rows 4by … 4by + 3 and reads rows 4by − 1 … 4by + 4 (stored rows 4by … 4by + 5).
        // Chunks run left to right: the zero a chunk stores past its end (p0[t0 + count]) is overwritten by the next.
        var rows = Math.Min(4, _height - (4 * by));
        for (var t0 = 0; t0 < _paddedBlocks; t0 += ChunkBlocks)
        {
            var count = Math.Min(ChunkBlocks, _paddedBlocks - t0);
            WinogradKernels<TVector, TOps>.InputTransform(ref Unsafe.Add(ref source, t0), _layout, 4 * by, layer.InChannels, count, _scratch, ref v);
            WinogradKernels<TVector, TOps>.Multiply(layer, ref v, count, _scratch, ref m);
            WinogradKernels<TVector, TOps>.OutputTransform(
                layer, ref m, count, _scratch, ref Unsafe.Add(ref destination, t0), _layout, (4 * by) + 1, rows, _width - (4 * t0));
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
                // Vector subtract and divide round exactly as the scalar (x − mean) / std; then deal the row out by phase.
                TensorPrimitives.Subtract(input.Slice((c * plane) + (y * _width), _width), mean, normalised);
                TensorPrimitives.Divide(normalised, std, normalised);
                var row = _ping.Slice((c * _layout.PlaneStride) + ((y + 1) * _layout.RowStride), _layout.RowStride);
                var p0 = row[_layout.Phase0..];
                var p1 = row[_layout.Phase1..];
                var p2 = row[_layout.Phase2..];
                var p3 = row[_layout.Phase3..];
                var t = 0;
                for (; (4 * t) + 3 < _width; t++)
                {
                    p0[t] = normalised[4 * t];
                    p1[t] = normalised[(4 * t) + 1];
                    p2[t] = normalised[(4 * t) + 2];
                    p3[t] = normalised[(4 * t) + 3];
                }

                for (var x = 4 * t; x < _width; x++)
                {
                    row[_layout.Phase(x & 3) + t] = normalised[x];
                }

                for (var phase = 0; phase < 4; phase++)
                {
                    // Columns 4t + phase at or past the width, and p0[padded blocks] (the last block's right neighbour).
                    var first = Math.Max(0, (_width - phase + 3) >> 2);
                    row.Slice(_layout.Phase(phase) + first, _paddedBlocks - first + (phase == 0 ? 1 : 0)).Clear();
                }
            }
        }
    }

    /// <summary>out[o] = Bicubic×2(x[o]) + Std[o] · DepthToSpace(residual)[o] for this worker's input rows of every output channel.</summary>
    private void Final(int firstRow, int endRow, int worker)
    {
        var plane = _width * _height;
        var outPlane = 4 * plane;
        var residual = Source(_layers.Length);
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
                    var r0 = residual.Slice((c0 * _layout.PlaneStride) + ((y + 1) * _layout.RowStride), _layout.RowStride);
                    var r1 = residual.Slice(((c0 + 1) * _layout.PlaneStride) + ((y + 1) * _layout.RowStride), _layout.RowStride);
                    AddResidual(row, r0, r1, _layout, std, _width);
                }
            }
        }
    }

    /// <summary>Output row position 2x + dx takes residual channel dx at column x, which sits in phase row x mod 4 at x / 4.</summary>
    private static void AddResidual(Span<float> row, ReadOnlySpan<float> dx0, ReadOnlySpan<float> dx1, in ActivationLayout layout, float std, int width)
    {
        var t = 0;
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
