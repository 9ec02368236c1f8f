using System.Buffers;
using AfmEdge.Core;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Simulation.Truth;

/// <summary>
/// The ground-truth label images of one scan, sampled at the pixel centres of the clean geometry:
/// <see cref="Labels"/> (0 background, 1 p arm, 2 centromere, 3 q arm) and <see cref="Instances"/>
/// (0 background, else the chromosome id on top).
/// </summary>
public sealed class TruthMaps
{
    public const string LabelsChannel = "Labels";
    public const string InstancesChannel = "Chromosomes";

    private readonly byte[] _labels;
    private readonly int[] _instances;

    private TruthMaps(int width, int height, byte[] labels, int[] instances)
    {
        Width = width;
        Height = height;
        _labels = labels;
        _instances = instances;
    }

    public int Width { get; }
    public int Height { get; }
    public ReadOnlyMemory<byte> Labels => _labels;
    public ReadOnlyMemory<int> Instances => _instances;

    public SpecimenRegion RegionAt(int x, int y) => (SpecimenRegion)_labels[(y * Width) + x];

    public int InstanceAt(int x, int y) => _instances[(y * Width) + x];

    public static TruthMaps Render(ISpecimen specimen, ScanSettings scan)
    {
        ArgumentNullException.ThrowIfNull(specimen);
        ArgumentNullException.ThrowIfNull(scan);
        var errors = scan.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid scan settings: " + string.Join(" ", errors), nameof(scan));
        }

        var geometry = new ScanGeometry(scan);
        var width = scan.PixelsX;
        var labels = new byte[width * scan.PixelsY];
        var instances = new int[width * scan.PixelsY];
        Parallel.For(0, scan.PixelsY, j =>
        {
            // The same sampling path as IdealScan's clean render, so labels and clean fields agree pixel for pixel.
            var points = ArrayPool<SpecimenPoint>.Shared.Rent(width);
            try
            {
                SpecimenRows.Sample(specimen, geometry, 0.5 * scan.PixelSizeX, (j + 0.5) * scan.PixelSizeY, scan.PixelSizeX, points.AsSpan(0, width));
                Scatter(points.AsSpan(0, width), labels.AsSpan(j * width, width), instances.AsSpan(j * width, width));
            }
            finally
            {
                ArrayPool<SpecimenPoint>.Shared.Return(points);
            }
        });
        return new TruthMaps(width, scan.PixelsY, labels, instances);
    }

    /// <summary>
    /// The label images at the pixels' real positions (<see cref="IdealScan.TipPositions"/>): what an instrument frame
    /// with that path shows, pixel for pixel with <see cref="ScanPositions.RenderClean"/>.
    /// </summary>
    public static TruthMaps Render(ISpecimen specimen, ScanPositions positions)
    {
        ArgumentNullException.ThrowIfNull(specimen);
        ArgumentNullException.ThrowIfNull(positions);
        return FromPoints(positions.Scan, positions.Sample(specimen));
    }

    /// <summary>The label images of specimen points sampled at every pixel of <paramref name="scan"/>, row by row.</summary>
    internal static TruthMaps FromPoints(ScanSettings scan, ReadOnlySpan<SpecimenPoint> points)
    {
        var labels = new byte[points.Length];
        var instances = new int[points.Length];
        Scatter(points, labels, instances);
        return new TruthMaps(scan.PixelsX, scan.PixelsY, labels, instances);
    }

    private static void Scatter(ReadOnlySpan<SpecimenPoint> points, Span<byte> labels, Span<int> instances)
    {
        for (var p = 0; p < points.Length; p++)
        {
            labels[p] = (byte)points[p].Region;
            instances[p] = points[p].Instance;
        }
    }

    /// <summary>The label image as a dimensionless channel (for labels.gsf).</summary>
    public Channel LabelChannel()
    {
        var data = new float[_labels.Length];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = _labels[i];
        }

        return new Channel(new ChannelDescriptor(LabelsChannel, PhysicalUnit.Dimensionless), Width, Height, data);
    }

    /// <summary>The instance image as a dimensionless channel (for chromosomes.gsf).</summary>
    public Channel InstanceChannel()
    {
        var data = new float[_instances.Length];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = _instances[i];
        }

        return new Channel(new ChannelDescriptor(InstancesChannel, PhysicalUnit.Dimensionless), Width, Height, data);
    }
}
