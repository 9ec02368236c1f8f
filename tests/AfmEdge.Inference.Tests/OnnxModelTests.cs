using AfmEdge.Inference.Network;
using AfmEdge.Inference.Onnx;
using AfmEdge.Inference.Onnx.Proto;
using Google.Protobuf;

namespace AfmEdge.Inference.Tests;

public sealed class OnnxModelTests
{
    [Fact]
    public void ReadWrite_RoundTrip_KeepsEveryValueAndName()
    {
        var random = TestNetworks.Random(3, channels: 4, layers: 4, features: 8);
        var network = new EnhancerNetwork(random.Name, random.InputChannels, random.OutputChannels, random.Mean, random.Std, random.Layers,
            new Dictionary<string, string> { ["seed"] = "3" });

        var read = OnnxModelReader.Read(OnnxModelWriter.ToBytes(network), "memory");

        Assert.Equal(network.Name, read.Name);
        Assert.Equal(network.InputChannels, read.InputChannels);
        Assert.Equal(network.OutputChannels, read.OutputChannels);
        Assert.Equal(network.Mean, read.Mean);
        Assert.Equal(network.Std, read.Std);
        Assert.Equal("3", read.Metadata["seed"]);
        Assert.Equal(network.Layers.Count, read.Layers.Count);
        for (var i = 0; i < network.Layers.Count; i++)
        {
            Assert.Equal(network.Layers[i].Weights, read.Layers[i].Weights);
            Assert.Equal(network.Layers[i].Bias, read.Layers[i].Bias);
            Assert.Equal(network.Layers[i].Activation, read.Layers[i].Activation);
            Assert.Equal(network.Layers[i].NegativeSlope, read.Layers[i].NegativeSlope);
        }
    }

    [Fact]
    public void Write_ToPath_LeavesNoPartialFile()
    {
        var directory = Directory.CreateTempSubdirectory("afmedge-onnx-");
        try
        {
            var path = Path.Combine(directory.FullName, "models", "m.onnx");
            OnnxModelWriter.Write(TestNetworks.Random(1, channels: 1, layers: 2, features: 4), path);

            Assert.True(File.Exists(path));
            Assert.False(File.Exists(path + ".partial"));
            Assert.Equal(["Height"], OnnxModelReader.Read(path).InputChannels);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Read_NotProtobuf_SaysNotOnnx()
    {
        var e = Assert.Throws<OnnxModelException>(() => OnnxModelReader.Read("this is a text file, not a model"u8, "notes.onnx"));

        Assert.Contains("notes.onnx", e.Message, StringComparison.Ordinal);
        Assert.Contains("not an ONNX file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Truncated_IsRefusedNamingTheFile()
    {
        var bytes = OnnxModelWriter.ToBytes(TestNetworks.Random(1, channels: 1, layers: 3, features: 8));

        var e = Assert.Throws<OnnxModelException>(() => OnnxModelReader.Read(bytes.AsSpan(0, bytes.Length / 2), "cut.onnx"));

        Assert.Contains("cut.onnx", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(12, "opset 12 is not supported")]
    [InlineData(99, "opset 99 is not supported")]
    public void Read_OpsetOutsideRange_NamesTheOpset(long opset, string expected)
    {
        var model = OnnxModelWriter.ToModel(TestNetworks.Random(1, channels: 1, layers: 2, features: 4));
        model.OpsetImport[0].Version = opset;

        var e = Assert.Throws<OnnxModelException>(() => OnnxModelReader.Read(model.ToByteArray(), "old.onnx"));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ForeignModel_SaysItIsNotAnEnhancer()
    {
        var model = OnnxModelWriter.ToModel(TestNetworks.Random(1, channels: 1, layers: 2, features: 4));
        model.MetadataProps.Clear();

        var e = Assert.Throws<OnnxModelException>(() => OnnxModelReader.Read(model.ToByteArray(), "resnet.onnx"));

        Assert.Contains("not an AfmEdge enhancer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WeightOfWrongShape_NamesTheInitializer()
    {
        var model = OnnxModelWriter.ToModel(TestNetworks.Random(1, channels: 1, layers: 3, features: 8));
        var weight = model.Graph.Initializer.Single(t => t.Name == "conv1.weight");
        weight.Dims[1] = 7;

        var e = Assert.Throws<OnnxModelException>(() => OnnxModelReader.Read(model.ToByteArray(), "bad.onnx"));

        Assert.Contains("conv1.weight", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnknownOperator_NamesTheNode()
    {
        var model = OnnxModelWriter.ToModel(TestNetworks.Random(1, channels: 1, layers: 3, features: 8));
        model.Graph.Node.Single(n => n.Name == "act0").OpType = "Sigmoid";

        var e = Assert.Throws<OnnxModelException>(() => OnnxModelReader.Read(model.ToByteArray(), "odd.onnx"));

        Assert.Contains("Sigmoid", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NaNWeight_IsRefused()
    {
        var network = TestNetworks.Random(1, channels: 1, layers: 2, features: 4);
        network.Layers[0].Weights[5] = float.NaN;

        var e = Assert.Throws<OnnxModelException>(() => OnnxModelReader.Read(OnnxModelWriter.ToBytes(network), "nan.onnx"));

        Assert.Contains("conv0.weight", e.Message, StringComparison.Ordinal);
        Assert.Contains("NaN", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TamperedSkip_IsRefused()
    {
        var model = OnnxModelWriter.ToModel(TestNetworks.Random(1, channels: 1, layers: 2, features: 4));
        var skip = model.Graph.Initializer.Single(t => t.Name == "bicubic.weight");
        var bytes = skip.RawData.ToByteArray();
        bytes[50] ^= 0x40;
        skip.RawData = ByteString.CopyFrom(bytes);

        var e = Assert.Throws<OnnxModelException>(() => OnnxModelReader.Read(model.ToByteArray(), "skip.onnx"));

        Assert.Contains("bicubic", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_Model_DeclaresOpsetAndChannels()
    {
        var model = ModelProto.Parser.ParseFrom(OnnxModelWriter.ToBytes(TestNetworks.Random(2, channels: 4, layers: 3, features: 8)));

        Assert.Equal(17, model.OpsetImport.Single().Version);
        Assert.Equal("Height,Current,Potential,Adhesion", model.MetadataProps.Single(p => p.Key == "afmedge.input_channels").Value);
        Assert.Equal(4, model.Graph.Input.Single().Type.TensorType.Shape.Dim[1].DimValue);
    }

    [Fact]
    public void NetworkFigures_EightLayers32Features_MatchDesignFigure()
    {
        // DESIGN.md measures "8 conv3×3 layers (4→32, 6×32→32, 32→4), 57.6 k MAC per input pixel".
        var network = TestNetworks.Random(1, channels: 4, layers: 8, features: 32);

        Assert.Equal((4 * 32 * 9) + (6 * 32 * 32 * 9) + (32 * 4 * 9), network.MacsPerInputPixel);
        Assert.Equal(8, network.ReceptiveRadius);
    }
}
