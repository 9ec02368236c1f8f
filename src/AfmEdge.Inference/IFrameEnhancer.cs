using AfmEdge.Core;

namespace AfmEdge.Inference;

/// <summary>Turns a processed frame into an enhanced one (×2 super-resolution, denoised).</summary>
public interface IFrameEnhancer
{
    /// <summary>How the enhancer is named in config, metadata and summaries, e.g. "bicubic".</summary>
    string Name { get; }

    int Scale { get; }

    Frame Enhance(Frame frame);
}
