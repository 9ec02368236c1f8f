namespace AfmEdge.Inference;

/// <summary>Builds the engine a config or command names for a model, sized for tiles of a given size.</summary>
public static class EngineFactory
{
    public static IReadOnlyList<string> EngineNames { get; } = ["native", "ort"];

    /// <summary>A frame enhancer running <paramref name="model"/> on engine <paramref name="engine"/> ("native" or "ort").</summary>
    /// <exception cref="Onnx.OnnxModelException">ONNX Runtime refuses the model.</exception>
    public static CnnFrameEnhancer CreateEnhancer(string engine, ModelEntry model, int tileSize, int threads)
    {
        ArgumentNullException.ThrowIfNull(model);
        var side = TiledEnhancer.MaxTileSide(model.Network, tileSize);
        return new CnnFrameEnhancer(CreateEngine(engine, model, side, threads), tileSize);
    }

    public static IEnhancementEngine CreateEngine(string engine, ModelEntry model, int maxTileSide, int threads)
    {
        ArgumentNullException.ThrowIfNull(model);
        return engine switch
        {
            "native" => new Native.NativeEngine(model.Network, maxTileSide, maxTileSide, threads),
            "ort" => OnnxRuntimeEngine.Load(model.Path, maxTileSide, maxTileSide, threads),
            _ => throw new ArgumentException($"Unknown engine '{engine}'; use one of {string.Join(", ", EngineNames)}.", nameof(engine)),
        };
    }
}
