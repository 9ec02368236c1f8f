namespace AfmEdge.Inference.Onnx;

/// <summary>A model file that cannot be used: unreadable, not ONNX, or not a network AfmEdge can run. The message names what is wrong.</summary>
public sealed class OnnxModelException : Exception
{
    public OnnxModelException(string message)
        : base(message)
    {
    }

    public OnnxModelException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public OnnxModelException()
    {
    }
}
