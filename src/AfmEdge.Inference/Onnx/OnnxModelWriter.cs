using AfmEdge.Inference.Network;
using AfmEdge.Inference.Onnx.Proto;
using Google.Protobuf;

namespace AfmEdge.Inference.Onnx;

/// <summary>
/// Writes an <see cref="EnhancerNetwork"/> as a self-contained ONNX model (opset 17) that ONNX Runtime runs
/// as is: normalisation, convolutions, DepthToSpace and the bicubic skip are all in the graph.
/// <code>
///   input ─Sub(mean)─Div(std)─[Conv─LeakyRelu]×(n−1)─Conv─DepthToSpace(2,CRD)─Mul(output_std)─┐
///     └─Gather(output_index)─Pad(edge,2)─Conv 5×5 (bicubic phases, group=O)─DepthToSpace(2,CRD)─Add── output
/// </code>
/// Channel names and the network name go into metadata_props, so a reader can match a frame's channels.
/// </summary>
public static class OnnxModelWriter
{
    public static void Write(EnhancerNetwork network, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        // Write beside and rename, so a crash never leaves a half-written model where the host looks for one.
        var temporary = path + ".partial";
        using (var stream = File.Create(temporary))
        {
            Write(network, stream);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public static void Write(EnhancerNetwork network, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ToModel(network).WriteTo(stream);
    }

    public static byte[] ToBytes(EnhancerNetwork network) => ToModel(network).ToByteArray();

    internal static ModelProto ToModel(EnhancerNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var channels = network.InputChannels.Count;
        var outputs = network.OutputChannels.Count;
        var graph = new GraphProto { Name = network.Name };
        graph.Input.Add(TensorInfo(OnnxNames.Input, "batch", channels, "height", "width"));
        graph.Output.Add(TensorInfo(OnnxNames.Output, "batch", outputs, "output_height", "output_width"));

        graph.Initializer.Add(FloatTensor(OnnxNames.Mean, network.Mean, 1, channels, 1, 1));
        graph.Initializer.Add(FloatTensor(OnnxNames.Std, network.Std, 1, channels, 1, 1));
        graph.Node.Add(Node("Sub", "normalise_centre", [OnnxNames.Input, OnnxNames.Mean], "centred"));
        graph.Node.Add(Node("Div", "normalise_scale", ["centred", OnnxNames.Std], "normalised"));

        var previous = "normalised";
        for (var i = 0; i < network.Layers.Count; i++)
        {
            var layer = network.Layers[i];
            graph.Initializer.Add(FloatTensor(OnnxNames.Weight(i), layer.Weights, layer.OutChannels, layer.InChannels, 3, 3));
            graph.Initializer.Add(FloatTensor(OnnxNames.Bias(i), layer.Bias, layer.OutChannels));
            var conv = Node("Conv", $"conv{i}", [previous, OnnxNames.Weight(i), OnnxNames.Bias(i)], $"conv{i}");
            conv.Attribute.Add(Ints("kernel_shape", 3, 3));
            conv.Attribute.Add(Ints("pads", 1, 1, 1, 1));
            conv.Attribute.Add(Ints("strides", 1, 1));
            graph.Node.Add(conv);
            previous = $"conv{i}";
            if (layer.Activation == Activation.LeakyRelu)
            {
                var activation = Node("LeakyRelu", $"act{i}", [previous], $"act{i}");
                activation.Attribute.Add(new AttributeProto { Name = "alpha", Type = AttributeProto.Types.AttributeType.Float, F = layer.NegativeSlope });
                graph.Node.Add(activation);
                previous = $"act{i}";
            }
        }

        graph.Node.Add(DepthToSpace("residual_shuffle", previous, "residual"));
        graph.Initializer.Add(FloatTensor(OnnxNames.OutputStd, [.. network.OutputSourceIndex.Select(i => network.Std[i])], 1, outputs, 1, 1));
        graph.Node.Add(Node("Mul", "residual_scale", ["residual", OnnxNames.OutputStd], "scaled_residual"));

        graph.Initializer.Add(Int64Tensor(OnnxNames.OutputIndex, [.. network.OutputSourceIndex.Select(i => (long)i)], outputs));
        var gather = Node("Gather", "skip_select", [OnnxNames.Input, OnnxNames.OutputIndex], "skip_source");
        gather.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(gather);
        graph.Initializer.Add(Int64Tensor(OnnxNames.SkipPads, [0, 0, 2, 2, 0, 0, 2, 2], 8));
        var pad = Node("Pad", "skip_pad", ["skip_source", OnnxNames.SkipPads], "skip_padded");
        pad.Attribute.Add(new AttributeProto { Name = "mode", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8("edge") });
        graph.Node.Add(pad);
        graph.Initializer.Add(FloatTensor(OnnxNames.BicubicWeight, BicubicPhaseKernels(outputs), 4 * outputs, 1, 5, 5));
        var skipConv = Node("Conv", "skip_bicubic", ["skip_padded", OnnxNames.BicubicWeight], "skip_phases");
        skipConv.Attribute.Add(Ints("kernel_shape", 5, 5));
        skipConv.Attribute.Add(new AttributeProto { Name = "group", Type = AttributeProto.Types.AttributeType.Int, I = outputs });
        graph.Node.Add(skipConv);
        graph.Node.Add(DepthToSpace("skip_shuffle", "skip_phases", "skip"));
        graph.Node.Add(Node("Add", "global_skip", ["skip", "scaled_residual"], OnnxNames.Output));

        var model = new ModelProto
        {
            IrVersion = OnnxNames.IrVersion,
            ProducerName = "AfmEdge",
            ProducerVersion = typeof(OnnxModelWriter).Assembly.GetName().Version?.ToString() ?? "0",
            Domain = "org.afmedge",
            ModelVersion = 1,
            DocString = "AfmEdge multimodal ×2 AFM super-resolution (see EnhancerNetwork).",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OnnxNames.WrittenOpset });
        model.MetadataProps.Add(Entry(OnnxNames.FormatKey, OnnxNames.Format));
        model.MetadataProps.Add(Entry(OnnxNames.NameKey, network.Name));
        model.MetadataProps.Add(Entry(OnnxNames.InputChannelsKey, string.Join(',', network.InputChannels)));
        model.MetadataProps.Add(Entry(OnnxNames.OutputChannelsKey, string.Join(',', network.OutputChannels)));
        foreach (var (key, value) in network.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!key.StartsWith("afmedge.", StringComparison.Ordinal))
            {
                model.MetadataProps.Add(Entry(key, value));
            }
        }

        return model;
    }

    /// <summary>
    /// [4·O, 1, 5, 5]: for output channel o, phase (dy, dx) at 4o + 2dy + dx is the outer product of the vertical
    /// and horizontal 5-tap windows, so Conv + DepthToSpace reproduce <see cref="BicubicUpsampler"/>.
    /// </summary>
    internal static float[] BicubicPhaseKernels(int outputs)
    {
        var kernels = new float[4 * outputs * 25];
        for (var o = 0; o < outputs; o++)
        {
            for (var dy = 0; dy < 2; dy++)
            {
                var vertical = BicubicUpsampler.FiveTapWindow(dy);
                for (var dx = 0; dx < 2; dx++)
                {
                    var horizontal = BicubicUpsampler.FiveTapWindow(dx);
                    var offset = ((4 * o) + (2 * dy) + dx) * 25;
                    for (var ky = 0; ky < 5; ky++)
                    {
                        for (var kx = 0; kx < 5; kx++)
                        {
                            kernels[offset + (5 * ky) + kx] = vertical[ky] * horizontal[kx];
                        }
                    }
                }
            }
        }

        return kernels;
    }

    private static NodeProto DepthToSpace(string name, string input, string output)
    {
        var node = Node("DepthToSpace", name, [input], output);
        node.Attribute.Add(new AttributeProto { Name = "blocksize", Type = AttributeProto.Types.AttributeType.Int, I = EnhancerNetwork.Scale });
        node.Attribute.Add(new AttributeProto { Name = "mode", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8("CRD") });
        return node;
    }

    private static NodeProto Node(string op, string name, string[] inputs, string output)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }

    private static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private static TensorProto FloatTensor(string name, float[] values, params long[] dims)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static TensorProto Int64Tensor(string name, long[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Int64Data.AddRange(values);
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static ValueInfoProto TensorInfo(string name, string batch, long channels, string height, string width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batch });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = channels });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = height });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = width });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static StringStringEntryProto Entry(string key, string value) => new() { Key = key, Value = value };
}
