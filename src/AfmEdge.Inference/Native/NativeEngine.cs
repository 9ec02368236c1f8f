using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AfmEdge.Inference.Network;

namespace AfmEdge.Inference.Native;

/// <summary>
/// The CPU engine: every 3×3 layer as Winograd F(2×2, 3×3) in SIMD C# (Vector512 where the hardware has it, else
/// Vector256, else Vector128 as on the ARM board's NEON), bias and LeakyReLU fused into the output transform, the
/// bicubic skip and DepthToSpace fused into the last store, rows of 2×2 blocks shared among a fixed gang of threads.
/// Winograd does 16 multiplies per 2×2 block and channel pair where the direct convolution does 36; a direct
/// convolution already runs near this class of core's FMA peak (as ONNX Runtime does), so doing fewer is what makes
/// this engine faster. All buffers are sized once, for the largest tile, at construction: Run allocates nothing.
/// </summary>
public sealed unsafe class NativeEngine : IEnhancementEngine, IGangWork
{
    private const int NormaliseStage = -1;
    private const int FinalStage = -2;

    // Blocks transformed, multiplied and transformed back in one go: their V and M (≈ 70 KB each for 32 channels)
    // stay in L1/L2 between the stages, where a whole 128-block row's did not (measured ≈ 10 % faster per layer).
    private const int ChunkBlocks = 32;

    private const int RowsPerGrab = 4;

    private readonly WinogradLayer[] _layers;
    private readonly ActivationLayout _layout;
    private readonly float[] _ping;
    private readonly float[] _pong;
    private readonly float[][] _transformed;
    private readonly float[][] _products;
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
    private int _nextBlockRow;

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
        var maxPadded = PaddedBlocks((maxTileWidth + 1) / 2);
        _layout = new ActivationLayout(maxPadded, maxTileHeight);
        _ping = new float[_channels * _layout.PlaneStride];
        _pong = new float[_channels * _layout.PlaneStride];
        var maxIn = network.Layers.Max(l => l.InChannels);
        var maxOut = _layers.Max(l => l.PaddedOutChannels);
        _gang = new WorkerGang(threads, "NativeEngine");
        var scratch = new ScratchLayout(Math.Min(ChunkBlocks, maxPadded));
        _transformed = [.. Enumerable.Range(0, threads).Select(_ => new float[scratch.Size(maxIn)])];
        _products = [.. Enumerable.Range(0, threads).Select(_ => new float[scratch.Size(maxOut)])];
        _bicubicScratch = [.. Enumerable.Range(0, threads).Select(_ => new float[2 * maxTileWidth * maxTileHeight])];
    }

    public string Name => "native";

    public EnhancerNetwork Network { get; }

    /// <summary>The vector width the kernels run at (512, 256 or 128 bits).</summary>
    public int VectorBits { get; }

    public int Threads => _gang.Workers;

    /// <summary>Bytes allocated by the engine's worker threads (not the caller's) since it was created.</summary>
    public long WorkerAllocatedBytes => _gang.WorkerAllocatedBytes;

    /// <summary>Floats held in buffers for the largest tile (activations, transforms, scratch), for memory reports.</summary>
    public long BufferFloats =>
        _ping.LongLength + _pong.LongLength + _transformed.Sum(t => t.LongLength) + _products.Sum(p => p.LongLength) + _bicubicScratch.Sum(s => s.LongLength);

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
        _blocks = (width + 1) / 2;
        _paddedBlocks = PaddedBlocks(_blocks);
        _scratch = new ScratchLayout(Math.Min(ChunkBlocks, _paddedBlocks));

        // Image rows height and height + 1 are the bottom padding the last block row reads; earlier, taller tiles
        // may have left samples there. Row −1 and the columns are never written with anything but zeros.
        for (var c = 0; c < _channels; c++)
        {
            _ping.AsSpan((c * _layout.PlaneStride) + ((height + 1) * _layout.RowStride), 2 * _layout.RowStride).Clear();
            _pong.AsSpan((c * _layout.PlaneStride) + ((height + 1) * _layout.RowStride), 2 * _layout.RowStride).Clear();
        }

        fixed (float* source = input)
        fixed (float* target = output)
        {
            _input = source;
            _output = target;
            try
            {
                _stage = NormaliseStage;
                _gang.Run(this);
                for (var l = 0; l < _layers.Length; l++)
                {
                    _stage = l;
                    _nextBlockRow = 0;
                    _gang.Run(this);
                }

                _stage = FinalStage;
                _gang.Run(this);
            }
            finally
            {
                _input = null;
                _output = null;
            }
        }
    }

    public void Dispose() => _gang.Dispose();

    void IGangWork.Execute(int worker, int workers)
    {
        switch (_stage)
        {
            case NormaliseStage:
                Normalise(Share(_height, worker, workers));
                break;
            case FinalStage:
                Final(Share(_height, worker, workers), worker);
                break;
            default:
                switch (VectorBits)
                {
                    case 512:
                        Layer<Vector512<float>, Vector512Ops>(_stage, worker);
                        break;
                    case 256:
                        Layer<Vector256<float>, Vector256Ops>(_stage, worker);
                        break;
                    default:
                        Layer<Vector128<float>, Vector128Ops>(_stage, worker);
                        break;
                }

                break;
        }
    }

    private static (int First, int End) Share(int count, int worker, int workers) =>
        ((int)((long)count * worker / workers), (int)((long)count * (worker + 1) / workers));

    private int PaddedBlocks(int blocks)
    {
        var lanes = VectorBits / 32;
        return (blocks + lanes - 1) / lanes * lanes;
    }

    // Layer l reads the ping-pong buffer l % 2 and writes the other; the input goes into ping.
    private float[] Source(int layer) => layer % 2 == 0 ? _ping : _pong;

    /// <summary>
    /// One layer, block row by block row. Workers take the next run of <see cref="RowsPerGrab"/> block rows from a shared
    /// counter rather than a fixed half, so a worker the OS preempts delays the layer by one run, not by half a layer;
    /// within a run, consecutive block rows share two input rows that are still in the core's L2. Each row is computed
    /// the same whichever worker takes it.
    /// </summary>
    private void Layer<TVector, TOps>(int index, int worker)
        where TVector : struct
        where TOps : struct, IVectorOps<TVector>
    {
        var layer = _layers[index];
        ref var source = ref MemoryMarshal.GetArrayDataReference(Source(index));
        ref var destination = ref MemoryMarshal.GetArrayDataReference(Source(index + 1));
        ref var v = ref MemoryMarshal.GetArrayDataReference(_transformed[worker]);
        ref var m = ref MemoryMarshal.GetArrayDataReference(_products[worker]);
        var blockRows = (_height + 1) / 2;
        for (var run = Interlocked.Add(ref _nextBlockRow, RowsPerGrab) - RowsPerGrab; run < blockRows; run = Interlocked.Add(ref _nextBlockRow, RowsPerGrab) - RowsPerGrab)
        {
            for (var by = run; by < Math.Min(run + RowsPerGrab, blockRows); by++)
            {
                LayerRow<TVector, TOps>(layer, ref source, ref destination, ref v, ref m, by);
            }
        }
    }

    private void LayerRow<TVector, TOps>(WinogradLayer layer, ref float source, ref float destination, ref float v, ref float m, int by)
        where TVector : struct
        where TOps : struct, IVectorOps<TVector>
    {
        // Block row by covers image rows 2by, 2by + 1 and reads rows 2by − 1 … 2by + 2 (stored rows 2by … 2by + 3).
        // Chunks run left to right: the zero a chunk stores past its end (even[t0 + count]) is overwritten by the next.
        for (var t0 = 0; t0 < _paddedBlocks; t0 += ChunkBlocks)
        {
            var count = Math.Min(ChunkBlocks, _paddedBlocks - t0);
            WinogradKernels<TVector, TOps>.InputTransform(ref Unsafe.Add(ref source, t0), _layout, 2 * by, layer.InChannels, count, _scratch, ref v);
            WinogradKernels<TVector, TOps>.Multiply(layer, ref v, count, _scratch, ref m);
            WinogradKernels<TVector, TOps>.OutputTransform(
                layer, ref m, count, _scratch, ref Unsafe.Add(ref destination, t0), _layout, (2 * by) + 1, (2 * by) + 1 < _height, _blocks - t0, (_width / 2) - t0);
        }
    }

    /// <summary>n = (x − mean) / std into split rows of the first buffer, padding columns zeroed.</summary>
    private void Normalise((int First, int End) rows)
    {
        var plane = _width * _height;
        var input = new ReadOnlySpan<float>(_input, Network.InputChannels.Count * plane);
        for (var c = 0; c < Network.InputChannels.Count; c++)
        {
            var mean = Network.Mean[c];
            var std = Network.Std[c];
            for (var y = rows.First; y < rows.End; y++)
            {
                var source = input.Slice((c * plane) + (y * _width), _width);
                var row = _ping.AsSpan((c * _layout.PlaneStride) + ((y + 1) * _layout.RowStride), _layout.RowStride);
                var odd = row.Slice(ActivationLayout.OddBase, _paddedBlocks);
                var even = row.Slice(_layout.EvenBase, _paddedBlocks + 1);
                for (var t = 0; t < _blocks; t++)
                {
                    even[t] = (source[2 * t] - mean) / std;
                    if ((2 * t) + 1 < _width)
                    {
                        odd[t] = (source[(2 * t) + 1] - mean) / std;
                    }
                }

                even[_blocks..].Clear();
                odd[(_width / 2)..].Clear();
            }
        }
    }

    /// <summary>out[o] = Bicubic×2(x[o]) + Std[o] · DepthToSpace(residual)[o] for this worker's input rows of every output channel.</summary>
    private void Final((int First, int End) rows, int worker)
    {
        var plane = _width * _height;
        var outPlane = 4 * plane;
        var residual = Source(_layers.Length);
        for (var o = 0; o < Network.OutputChannels.Count; o++)
        {
            var sourceChannel = Network.OutputSourceIndex[o];
            var target = new Span<float>(_output + ((long)o * outPlane), outPlane);
            BicubicUpsampler.UpsampleRows(
                new ReadOnlySpan<float>(_input + ((long)sourceChannel * plane), plane), _width, _height, target, _bicubicScratch[worker], rows.First, rows.End);
            var std = Network.Std[sourceChannel];
            for (var y = rows.First; y < rows.End; y++)
            {
                for (var dy = 0; dy < 2; dy++)
                {
                    var row = target.Slice(((2 * y) + dy) * 2 * _width, 2 * _width);
                    var c0 = (4 * o) + (2 * dy);
                    var r0 = residual.AsSpan((c0 * _layout.PlaneStride) + ((y + 1) * _layout.RowStride), _layout.RowStride);
                    var r1 = residual.AsSpan(((c0 + 1) * _layout.PlaneStride) + ((y + 1) * _layout.RowStride), _layout.RowStride);
                    AddResidual(row, r0, r1, _layout.EvenBase, std, _width);
                }
            }
        }
    }

    /// <summary>
    /// Output row position 2x + dx takes residual channel dx at column x: even x from the split row's even half, odd x
    /// from its odd half. So positions 4t … 4t + 3 are even₀[t], even₁[t], odd₀[t], odd₁[t].
    /// </summary>
    private static void AddResidual(Span<float> row, ReadOnlySpan<float> dx0, ReadOnlySpan<float> dx1, int evenBase, float std, int width)
    {
        var even0 = dx0.Slice(evenBase, (width + 1) / 2);
        var even1 = dx1.Slice(evenBase, (width + 1) / 2);
        var odd0 = dx0.Slice(ActivationLayout.OddBase, width / 2);
        var odd1 = dx1.Slice(ActivationLayout.OddBase, width / 2);
        for (var t = 0; t < odd0.Length; t++)
        {
            row[4 * t] += std * even0[t];
            row[(4 * t) + 1] += std * even1[t];
            row[(4 * t) + 2] += std * odd0[t];
            row[(4 * t) + 3] += std * odd1[t];
        }

        if ((width & 1) != 0)
        {
            row[2 * (width - 1)] += std * even0[^1];
            row[(2 * (width - 1)) + 1] += std * even1[^1];
        }
    }
}
