namespace AfmEdge.Analysis.Segmentation;

/// <summary>
/// The chromosomes found in one height image: an instance image (0 background, 1..Count chromosome ids,
/// numbered in raster order of their first pixel) and the thresholds used, in metres above the substrate.
/// </summary>
public sealed class ChromosomeSegmentation
{
    internal ChromosomeSegmentation(int width, int height, int[] instances, int count, float[] leveled, double substrate,
        double noiseSigma, double lowThreshold, double otsuThreshold, int rejected)
    {
        Width = width;
        Height = height;
        InstanceData = instances;
        Count = count;
        LeveledData = leveled;
        Substrate = substrate;
        NoiseSigma = noiseSigma;
        LowThreshold = lowThreshold;
        OtsuThreshold = otsuThreshold;
        Rejected = rejected;
    }

    public int Width { get; }
    public int Height { get; }
    public int Count { get; }

    /// <summary>Per pixel: 0 background, else the chromosome id.</summary>
    public ReadOnlySpan<int> Instances => InstanceData;

    /// <summary>Height above the substrate plane (metres): the input minus the plane fitted to the background.</summary>
    public ReadOnlySpan<float> Leveled => LeveledData;

    /// <summary>Median substrate height after leveling (≈ 0), metres.</summary>
    public double Substrate { get; }

    /// <summary>Robust (MAD) noise σ of the substrate, metres.</summary>
    public double NoiseSigma { get; }

    /// <summary>Extent threshold, metres above the substrate.</summary>
    public double LowThreshold { get; }

    /// <summary>Otsu's threshold of the leveled image (separates substrate from objects for the plane fit).</summary>
    public double OtsuThreshold { get; }

    /// <summary>Objects rejected as debris or by the size/shape filters.</summary>
    public int Rejected { get; }

    internal int[] InstanceData { get; }

    /// <summary>
    /// The same segmentation after objects were split in place into ids up to <paramref name="count"/>: the ids
    /// renumbered 1..count in raster order of each object's first pixel again; <paramref name="map"/> gets each old id's new one.
    /// </summary>
    internal ChromosomeSegmentation Renumbered(int count, out int[] map)
    {
        map = new int[count + 1];
        var next = 0;
        var instances = InstanceData;
        for (var i = 0; i < instances.Length; i++)
        {
            var id = instances[i];
            if (id != 0)
            {
                if (map[id] == 0)
                {
                    map[id] = ++next;
                }

                instances[i] = map[id];
            }
        }

        return new ChromosomeSegmentation(Width, Height, instances, next, LeveledData, Substrate, NoiseSigma, LowThreshold, OtsuThreshold, Rejected);
    }
    internal float[] LeveledData { get; }
}
