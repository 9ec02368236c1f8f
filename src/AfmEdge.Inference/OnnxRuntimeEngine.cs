using AfmEdge.Inference.Network;
using AfmEdge.Inference.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace AfmEdge.Inference;

/// <summary>
/// Runs an enhancer model with ONNX Runtime (CPU execution provider). One session is made per model and
/// reused; input and output tensors are OrtValues over buffers allocated once for the largest tile, one pair
/// per tile shape met, so steady-state tiles allocate nothing and ONNX Runtime writes straight into our buffer.
/// </summary>
public sealed class OnnxRuntimeEngine : IEnhancementEngine
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly float[] _input;
    private readonly float[] _output;
    private readonly string[] _inputNames = ["input"];
    private readonly string[] _outputNames = ["output"];
    private readonly Dictionary<(int Width, int Height), (OrtValue[] Input, OrtValue[] Output)> _bindings = [];
    private readonly int _maxWidth;
    private readonly int _maxHeight;

    /// <param name="modelBytes">The ONNX file; it is checked with <see cref="OnnxModelReader"/> first, so a model this
    /// engine runs is one the native engine runs too.</param>
    /// <param name="threads">ONNX Runtime's intra-op threads (1 … cores).</param>
    /// <param name="spinning">Let ONNX Runtime's threads spin between runs (its default). Off in the host: on a 2-core
    /// board a spinning thread takes a core from the other pipeline stages, which the engine cannot see.</param>
    public OnnxRuntimeEngine(byte[] modelBytes, string source, int maxTileWidth, int maxTileHeight, int threads, bool spinning = false)
    {
        ArgumentNullException.ThrowIfNull(modelBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTileWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTileHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Network = OnnxModelReader.Read(modelBytes, source);
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
        try
        {
            _session = new InferenceSession(modelBytes, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxModelException($"Model '{source}' was refused by ONNX Runtime: {e.Message}", e);
        }

        _maxWidth = maxTileWidth;
        _maxHeight = maxTileHeight;
        _input = new float[Network.InputChannels.Count * maxTileWidth * maxTileHeight];
        _output = new float[Network.OutputChannels.Count * 4 * maxTileWidth * maxTileHeight];
    }

    public static OnnxRuntimeEngine Load(string path, int maxTileWidth, int maxTileHeight, int threads)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OnnxModelException($"Model '{path}' cannot be read: {e.Message}", e);
        }

        return new OnnxRuntimeEngine(bytes, path, maxTileWidth, maxTileHeight, threads);
    }

    public string Name => "ort";

    public EnhancerNetwork Network { get; }

    public void Run(ReadOnlySpan<float> input, int width, int height, Span<float> output)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (width > _maxWidth || height > _maxHeight)
        {
            throw new ArgumentException($"Tile {width}×{height} exceeds the {_maxWidth}×{_maxHeight} this engine was made for.");
        }

        var inputLength = Network.InputChannels.Count * width * height;
        var outputLength = Network.OutputChannels.Count * 4 * width * height;
        if (input.Length != inputLength || output.Length != outputLength)
        {
            throw new ArgumentException($"A {width}×{height} tile takes {inputLength} input and {outputLength} output floats.");
        }

        if (!_bindings.TryGetValue((width, height), out var binding))
        {
            binding = Bind(width, height, inputLength, outputLength);
            _bindings[(width, height)] = binding;
        }

        input.CopyTo(_input);
        _session.Run(_runOptions, _inputNames, binding.Input, _outputNames, binding.Output);
        _output.AsSpan(0, outputLength).CopyTo(output);
    }

    public void Dispose()
    {
        foreach (var (input, output) in _bindings.Values)
        {
            input[0].Dispose();
            output[0].Dispose();
        }

        _bindings.Clear();
        _runOptions.Dispose();
        _session.Dispose();
    }

    private (OrtValue[] Input, OrtValue[] Output) Bind(int width, int height, int inputLength, int outputLength)
    {
        var input = OrtValue.CreateTensorValueFromMemory(
            OrtMemoryInfo.DefaultInstance, _input.AsMemory(0, inputLength), [1, Network.InputChannels.Count, height, width]);
        var output = OrtValue.CreateTensorValueFromMemory(
            OrtMemoryInfo.DefaultInstance, _output.AsMemory(0, outputLength), [1, Network.OutputChannels.Count, 2 * height, 2 * width]);
        return ([input], [output]);
    }
}
