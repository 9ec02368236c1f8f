namespace AfmEdge.Inference.Onnx;

/// <summary>The names and constants the writer gives the graph and the reader expects back.</summary>
internal static class OnnxNames
{
    /// <summary>Version of the graph layout below; a reader refuses layouts it does not know.</summary>
    public const string Format = "afmedge-enhancer/1";

    public const string FormatKey = "afmedge.format";
    public const string NameKey = "afmedge.name";
    public const string InputChannelsKey = "afmedge.input_channels";
    public const string OutputChannelsKey = "afmedge.output_channels";

    public const string Input = "input";
    public const string Output = "output";
    public const string Mean = "mean";
    public const string Std = "std";
    public const string OutputStd = "output_std";
    public const string OutputIndex = "output_index";
    public const string SkipPads = "skip_pads";
    public const string BicubicWeight = "bicubic.weight";

    /// <summary>Lowest opset whose Pad (pads as input, mode edge), DepthToSpace (CRD) and Gather we use.</summary>
    public const long MinimumOpset = 13;

    /// <summary>The opset the writer declares; every operator used is unchanged from 13 up to it.</summary>
    public const long WrittenOpset = 17;

    /// <summary>Highest opset this reader accepts: later opsets could change the operators' meaning.</summary>
    public const long MaximumOpset = 22;

    /// <summary>ONNX IR version 8 (opsets up to 18); ONNX Runtime 1.31 reads it.</summary>
    public const long IrVersion = 8;

    public static string Weight(int layer) => $"conv{layer}.weight";

    public static string Bias(int layer) => $"conv{layer}.bias";
}
