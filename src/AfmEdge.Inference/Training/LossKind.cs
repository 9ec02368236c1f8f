namespace AfmEdge.Inference.Training;

/// <summary>
/// The training loss, over the residual in normalised units: the network's DepthToSpace output against
/// (clean high-resolution − bicubic×2 of the degraded scan) / Std, i.e. the physical error divided by Std.
/// </summary>
public enum LossKind
{
    /// <summary>Mean absolute error: robust to outliers, keeps edges sharp.</summary>
    L1,

    /// <summary>Mean squared error: optimises PSNR directly.</summary>
    Mse,
}
