namespace AfmEdge.Inference.Native;

/// <summary>The order in which <see cref="NativeEngine"/> computes the layers' blocks; both give the same bits.</summary>
internal enum LayerSchedule
{
    /// <summary>All layers step down the tile together, hidden activations in rings of a few rows (the default).</summary>
    Fused,

    /// <summary>Each layer over the whole tile before the next, through two whole-tile buffers: the reference.</summary>
    LayerByLayer,
}
