using System.Buffers.Binary;
using AfmEdge.Inference.Network;
using AfmEdge.Inference.Onnx.Proto;
using Google.Protobuf;

namespace AfmEdge.Inference.Onnx;

/// <summary>
/// Reads an ONNX model back into an <see cref="EnhancerNetwork"/>, checking that it is exactly the graph
/// <see cref="OnnxModelWriter"/> lays out (so the native engine computes what ONNX Runtime would). Anything
/// else — not protobuf, not ONNX, an opset outside 13–22, an unknown layout, weights of the wrong shape —
/// is an <see cref="OnnxModelException"/> naming the file and the problem.
/// </summary>
public static class OnnxModelReader
{
    public static EnhancerNetwork Read(string path)
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

        return Read(bytes, path);
    }

    /// <param name="source">How the model is named in error messages (usually its path).</param>
    public static EnhancerNetwork Read(ReadOnlySpan<byte> bytes, string source)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxModelException($"Model '{source}' is not an ONNX file (protobuf: {e.Message}).", e);
        }

        try
        {
            return ToNetwork(model);
        }
        catch (ModelLayoutException e)
        {
            throw new OnnxModelException($"Model '{source}': {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new OnnxModelException($"Model '{source}' describes an inconsistent network: {e.Message}", e);
        }
    }

    private static EnhancerNetwork ToNetwork(ModelProto model)
    {
        if (model.Graph is null || model.Graph.Node.Count == 0)
        {
            throw new ModelLayoutException("it has no graph (is it an ONNX model?).");
        }

        CheckOpset(model);
        var metadata = model.MetadataProps.GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        var format = metadata.GetValueOrDefault(OnnxNames.FormatKey);
        if (format != OnnxNames.Format)
        {
            throw new ModelLayoutException(format is null
                ? $"it is not an AfmEdge enhancer (metadata '{OnnxNames.FormatKey}' is missing)."
                : $"its layout '{format}' is not one this version reads ('{OnnxNames.Format}').");
        }

        var inputChannels = ChannelList(metadata, OnnxNames.InputChannelsKey);
        var outputChannels = ChannelList(metadata, OnnxNames.OutputChannelsKey);
        var graph = model.Graph;
        CheckInput(graph, inputChannels.Length);
        var tensors = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var nodes = new NodeCursor(graph);

        var centred = nodes.Expect("Sub", OnnxNames.Input, OnnxNames.Mean);
        var previous = nodes.Expect("Div", centred.Output[0], OnnxNames.Std).Output[0];
        var mean = FloatData(tensors, OnnxNames.Mean, 1, inputChannels.Length, 1, 1);
        var std = FloatData(tensors, OnnxNames.Std, 1, inputChannels.Length, 1, 1);

        var layers = new List<ConvLayer>();
        var channels = (long)inputChannels.Length;
        while (nodes.Peek()?.OpType == "Conv")
        {
            var conv = nodes.Expect("Conv", previous, null, null);
            CheckConvAttributes(conv);
            var outChannels = tensors.TryGetValue(conv.Input[1], out var w) && w.Dims.Count == 4 ? w.Dims[0] : -1;
            var weights = FloatData(tensors, conv.Input[1], outChannels, channels, 3, 3);
            var bias = FloatData(tensors, conv.Input[2], outChannels);
            var activation = Activation.None;
            var slope = 0f;
            previous = conv.Output[0];
            if (nodes.Peek()?.OpType is "LeakyRelu" or "Relu")
            {
                var relu = nodes.Expect(nodes.Peek()!.OpType, previous);
                activation = Activation.LeakyRelu;
                slope = relu.OpType == "Relu" ? 0f : relu.Attribute.FirstOrDefault(a => a.Name == "alpha")?.F ?? 0.01f; // the operator's default
                previous = relu.Output[0];
            }

            layers.Add(new ConvLayer((int)channels, (int)outChannels, weights, bias, activation, slope));
            channels = outChannels;
        }

        if (layers.Count == 0)
        {
            throw new ModelLayoutException($"node {nodes.Index} is '{nodes.Peek()?.OpType}', expected the first Conv.");
        }

        var residual = nodes.Expect("DepthToSpace", previous);
        CheckDepthToSpace(residual);
        var scaled = nodes.Expect("Mul", residual.Output[0], OnnxNames.OutputStd);
        var source = nodes.Expect("Gather", OnnxNames.Input, OnnxNames.OutputIndex);
        var padded = nodes.Expect("Pad", source.Output[0], OnnxNames.SkipPads);
        var phases = nodes.Expect("Conv", padded.Output[0], OnnxNames.BicubicWeight);
        var skip = nodes.Expect("DepthToSpace", phases.Output[0]);
        CheckDepthToSpace(skip);
        var sum = nodes.Expect("Add", null, null);
        if (!sum.Input.Order(StringComparer.Ordinal).SequenceEqual(new[] { skip.Output[0], scaled.Output[0] }.Order(StringComparer.Ordinal)))
        {
            throw new ModelLayoutException($"the final Add must sum the bicubic skip and the scaled residual.");
        }

        nodes.ExpectEnd();

        var network = new EnhancerNetwork(
            metadata.GetValueOrDefault(OnnxNames.NameKey) ?? graph.Name,
            inputChannels,
            outputChannels,
            mean,
            std,
            layers,
            metadata.Where(p => !p.Key.StartsWith("afmedge.", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
        CheckSkip(network, tensors);
        return network;
    }

    private static void CheckOpset(ModelProto model)
    {
        var opset = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx");
        if (opset is null)
        {
            throw new ModelLayoutException("it imports no standard ONNX opset.");
        }

        if (opset.Version < OnnxNames.MinimumOpset || opset.Version > OnnxNames.MaximumOpset)
        {
            throw new ModelLayoutException(
                $"opset {opset.Version} is not supported: AfmEdge reads opsets {OnnxNames.MinimumOpset} to {OnnxNames.MaximumOpset}.");
        }

        var other = model.OpsetImport.FirstOrDefault(o => o.Domain is not ("" or "ai.onnx"));
        if (other is not null)
        {
            throw new ModelLayoutException($"it uses operators of domain '{other.Domain}', which AfmEdge does not run.");
        }
    }

    private static string[] ChannelList(Dictionary<string, string> metadata, string key)
    {
        var value = metadata.GetValueOrDefault(key);
        var names = value?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];
        return names.Length > 0 ? names : throw new ModelLayoutException($"metadata '{key}' (the channel names) is missing or empty.");
    }

    private static void CheckInput(GraphProto graph, int channels)
    {
        var inputs = graph.Input.Where(i => graph.Initializer.All(t => t.Name != i.Name)).ToList();
        if (inputs.Count != 1 || inputs[0].Name != OnnxNames.Input)
        {
            throw new ModelLayoutException($"expected one graph input named '{OnnxNames.Input}', found [{string.Join(", ", inputs.Select(i => i.Name))}].");
        }

        var tensor = inputs[0].Type?.TensorType;
        if (tensor is null || tensor.ElemType != (int)TensorProto.Types.DataType.Float)
        {
            throw new ModelLayoutException($"input '{OnnxNames.Input}' must be a float32 tensor.");
        }

        var dims = tensor.Shape?.Dim;
        if (dims is null || dims.Count != 4 || (dims[1].HasDimValue && dims[1].DimValue != channels))
        {
            throw new ModelLayoutException($"input '{OnnxNames.Input}' must be [batch, {channels}, height, width] for its {channels} channels.");
        }
    }

    private static void CheckConvAttributes(NodeProto conv)
    {
        foreach (var attribute in conv.Attribute)
        {
            var ok = attribute.Name switch
            {
                "kernel_shape" => attribute.Ints.SequenceEqual([3L, 3L]),
                "pads" => attribute.Ints.SequenceEqual([1L, 1L, 1L, 1L]),
                "strides" or "dilations" => attribute.Ints.All(v => v == 1),
                "group" => attribute.I == 1,
                "auto_pad" => attribute.S.ToStringUtf8() is "NOTSET" or "",
                _ => false,
            };
            if (!ok)
            {
                throw new ModelLayoutException($"Conv '{conv.Name}' has {attribute.Name} unlike a 3×3, stride 1, padding 1 convolution.");
            }
        }

        if (!conv.Attribute.Any(a => a.Name == "pads"))
        {
            throw new ModelLayoutException($"Conv '{conv.Name}' has no padding; AfmEdge's layers keep the image size (pads 1).");
        }

        if (conv.Input.Count != 3)
        {
            throw new ModelLayoutException($"Conv '{conv.Name}' needs weights and a bias.");
        }
    }

    private static void CheckDepthToSpace(NodeProto node)
    {
        var blocksize = node.Attribute.FirstOrDefault(a => a.Name == "blocksize")?.I;
        var mode = node.Attribute.FirstOrDefault(a => a.Name == "mode")?.S.ToStringUtf8() ?? "DCR";
        if (blocksize != EnhancerNetwork.Scale || mode != "CRD")
        {
            throw new ModelLayoutException($"DepthToSpace '{node.Name}' must be blocksize 2, mode CRD (is {blocksize}, {mode}).");
        }
    }

    /// <summary>The skip branch is constants only; they must be the ones that make it bicubic ×2 of the output channels.</summary>
    private static void CheckSkip(EnhancerNetwork network, Dictionary<string, TensorProto> tensors)
    {
        var outputs = network.OutputChannels.Count;
        var outputStd = FloatData(tensors, OnnxNames.OutputStd, 1, outputs, 1, 1);
        var bicubic = FloatData(tensors, OnnxNames.BicubicWeight, 4 * outputs, 1, 5, 5);
        var expected = OnnxModelWriter.BicubicPhaseKernels(outputs);
        if (!tensors.TryGetValue(OnnxNames.OutputIndex, out var index) || !index.Int64Data.SequenceEqual(network.OutputSourceIndex.Select(i => (long)i)))
        {
            throw new ModelLayoutException($"'{OnnxNames.OutputIndex}' does not select the output channels [{string.Join(", ", network.OutputChannels)}].");
        }

        for (var o = 0; o < outputs; o++)
        {
            if (outputStd[o] != network.Std[network.OutputSourceIndex[o]])
            {
                throw new ModelLayoutException($"'{OnnxNames.OutputStd}' of {network.OutputChannels[o]} differs from its input std.");
            }
        }

        for (var i = 0; i < expected.Length; i++)
        {
            if (Math.Abs(bicubic[i] - expected[i]) > 1e-6f)
            {
                throw new ModelLayoutException($"'{OnnxNames.BicubicWeight}' is not AfmEdge's bicubic ×2 skip.");
            }
        }
    }

    private static float[] FloatData(Dictionary<string, TensorProto> tensors, string name, params long[] dims)
    {
        if (!tensors.TryGetValue(name, out var tensor))
        {
            throw new ModelLayoutException($"initializer '{name}' is missing.");
        }

        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
        {
            throw new ModelLayoutException($"initializer '{name}' is data type {tensor.DataType}, not float32.");
        }

        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
        {
            throw new ModelLayoutException($"initializer '{name}' is stored in an external file; AfmEdge needs self-contained models.");
        }

        if (!tensor.Dims.SequenceEqual(dims))
        {
            throw new ModelLayoutException($"initializer '{name}' has shape [{string.Join(", ", tensor.Dims)}], expected [{string.Join(", ", dims)}].");
        }

        var count = checked((int)dims.Aggregate(1L, (a, b) => a * b));
        var values = new float[count];
        if (!tensor.RawData.IsEmpty)
        {
            var raw = tensor.RawData.Span;
            if (raw.Length != count * sizeof(float))
            {
                throw new ModelLayoutException($"initializer '{name}' holds {raw.Length} bytes for {count} floats.");
            }

            for (var i = 0; i < count; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(i * sizeof(float))..]);
            }
        }
        else if (tensor.FloatData.Count == count)
        {
            tensor.FloatData.CopyTo(values, 0);
        }
        else
        {
            throw new ModelLayoutException($"initializer '{name}' holds {tensor.FloatData.Count} floats, expected {count}.");
        }

        if (values.Any(v => !float.IsFinite(v)))
        {
            throw new ModelLayoutException($"initializer '{name}' contains NaN or infinity.");
        }

        return values;
    }

    /// <summary>Walks the graph's nodes in order, checking each against the writer's layout.</summary>
    private sealed class NodeCursor(GraphProto graph)
    {
        public int Index { get; private set; }

        public NodeProto? Peek() => Index < graph.Node.Count ? graph.Node[Index] : null;

        /// <summary>Takes the next node if it is <paramref name="op"/> and each non-null expected input matches.</summary>
        public NodeProto Expect(string op, params string?[] inputs)
        {
            var node = Peek() ?? throw new ModelLayoutException($"the graph ends after node {Index}; expected {op}.");
            if (node.OpType != op || node.Domain is not ("" or "ai.onnx"))
            {
                throw new ModelLayoutException($"node {Index} ('{node.Name}') is {node.OpType}, expected {op}.");
            }

            if (node.Input.Count < inputs.Length || node.Output.Count != 1)
            {
                throw new ModelLayoutException($"node {Index} ('{node.Name}', {op}) has {node.Input.Count} inputs and {node.Output.Count} outputs.");
            }

            for (var i = 0; i < inputs.Length; i++)
            {
                if (inputs[i] is { } expected && node.Input[i] != expected)
                {
                    throw new ModelLayoutException($"node {Index} ('{node.Name}', {op}) takes '{node.Input[i]}' as input {i}, expected '{expected}'.");
                }
            }

            Index++;
            return node;
        }

        public void ExpectEnd()
        {
            if (Index != graph.Node.Count)
            {
                throw new ModelLayoutException($"node {Index} ('{graph.Node[Index].Name}', {graph.Node[Index].OpType}) follows the output; AfmEdge's layout ends there.");
            }

            var output = graph.Node[^1].Output[0];
            if (graph.Output.Count != 1 || graph.Output[0].Name != output)
            {
                throw new ModelLayoutException($"the graph output must be the final Add's '{output}'.");
            }
        }
    }

    private sealed class ModelLayoutException(string message) : Exception(message);
}
