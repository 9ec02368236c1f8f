using AfmEdge.Processing;
using ILGPU;
using ILGPU.Runtime;

namespace AfmEdge.Kernels;

/// <summary>Image and tip geometry of one morphology launch, passed by value.</summary>
public readonly record struct MorphologyShape(int Width, int Height, int TipWidth, int TipHeight, float Tolerance);

/// <summary>
/// Grey-scale tip morphology with Gwyddion's conventions (gwy_tip_dilation / gwy_tip_erosion), as
/// <see cref="TipMorphology"/>: with T the tip grid, apex 0 at its centre c, dilation I(x) = max_u [S(x + u) + T(c + u)]
/// and erosion R(x) = min_u [I(x − u) − T(c + u)] over offsets whose sample lies inside the image, one thread per output
/// pixel; and Villarrubia's certainty map. Tip samples of −∞ (outside the tip) take no part.
/// </summary>
public sealed class MorphologyKernels
{
    private readonly Accelerator _accelerator;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, MorphologyShape> _dilate;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, MorphologyShape> _erode;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, MorphologyShape> _certainty;

    internal MorphologyKernels(Accelerator accelerator)
    {
        _accelerator = accelerator;
        _dilate = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, MorphologyShape>(DilateKernel);
        _erode = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, MorphologyShape>(ErodeKernel);
        _certainty = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, MorphologyShape>(
            CertaintyKernel);
    }

    /// <summary>The image <paramref name="tip"/> makes of <paramref name="surface"/> (as <see cref="TipMorphology.Dilate"/>).</summary>
    public float[] Dilate(float[] surface, int width, int height, TipGrid tip) => Morph(surface, width, height, tip, _dilate);

    /// <summary>The largest surface consistent with <paramref name="image"/> (as <see cref="TipMorphology.Erode"/>).</summary>
    public float[] Erode(float[] image, int width, int height, TipGrid tip) => Morph(image, width, height, tip, _erode);

    /// <summary>1 where the reconstruction is certain (as <see cref="TipMorphology.CertaintyMap"/>), else 0.</summary>
    public float[] CertaintyMap(float[] image, float[] reconstruction, int width, int height, TipGrid tip, float tolerance = 0)
    {
        ArgumentNullException.ThrowIfNull(tip);
        ProcessingKernels.Check(image, width, height);
        ProcessingKernels.Check(reconstruction, width, height);
        ArgumentOutOfRangeException.ThrowIfNegative(tolerance);
        using var source = _accelerator.Allocate1D(image);
        using var surface = _accelerator.Allocate1D(reconstruction);
        using var heights = _accelerator.Allocate1D(tip.Heights);
        using var result = _accelerator.Allocate1D<float>(image.Length);
        result.MemSetToZero();

        // Only apex positions whose whole footprint lies inside the image take part.
        var inner = new Index2D(Math.Max(0, width - (2 * tip.CentreX)), Math.Max(0, height - (2 * tip.CentreY)));
        if (inner.Size > 0)
        {
            _certainty(inner, source.View, surface.View, heights.View, result.View, new MorphologyShape(width, height, tip.Width, tip.Height, tolerance));
        }

        _accelerator.Synchronize();
        return result.GetAsArray1D();
    }

    private float[] Morph(float[] input, int width, int height, TipGrid tip, Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, MorphologyShape> kernel)
    {
        ArgumentNullException.ThrowIfNull(tip);
        ProcessingKernels.Check(input, width, height);
        using var source = _accelerator.Allocate1D(input);
        using var heights = _accelerator.Allocate1D(tip.Heights);
        using var result = _accelerator.Allocate1D<float>(input.Length);
        kernel(new Index2D(width, height), source.View, heights.View, result.View, new MorphologyShape(width, height, tip.Width, tip.Height, 0));
        _accelerator.Synchronize();
        return result.GetAsArray1D();
    }

    // The tip rows and columns whose sample lies inside the image are worked out as loop bounds, not skipped inside the
    // loops: on CUDA, ILGPU 1.5's O2 optimiser miscompiled the skip-and-continue form of these two kernels (an H200 gave
    // a plain maximum filter), while its CPU accelerator, which runs the IL as written, did not show it.
    internal static void DilateKernel(Index2D index, ArrayView<float> surface, ArrayView<float> tip, ArrayView<float> output, MorphologyShape shape)
    {
        var cx = shape.TipWidth / 2;
        var cy = shape.TipHeight / 2;
        var tyEnd = Math.Min(shape.TipHeight, shape.Height - index.Y + cy);
        var txStart = Math.Max(0, cx - index.X);
        var txEnd = Math.Min(shape.TipWidth, shape.Width - index.X + cx);
        var best = float.NegativeInfinity;
        for (var ty = Math.Max(0, cy - index.Y); ty < tyEnd; ty++)
        {
            var row = ((index.Y + ty - cy) * shape.Width) + index.X - cx;
            for (var tx = txStart; tx < txEnd; tx++)
            {
                var t = tip[(ty * shape.TipWidth) + tx];
                best = t == float.NegativeInfinity ? best : Math.Max(best, surface[row + tx] + t);
            }
        }

        output[(index.Y * shape.Width) + index.X] = best;
    }

    internal static void ErodeKernel(Index2D index, ArrayView<float> image, ArrayView<float> tip, ArrayView<float> output, MorphologyShape shape)
    {
        var cx = shape.TipWidth / 2;
        var cy = shape.TipHeight / 2;
        var tyEnd = Math.Min(shape.TipHeight, index.Y + cy + 1);
        var txStart = Math.Max(0, index.X + cx - shape.Width + 1);
        var txEnd = Math.Min(shape.TipWidth, index.X + cx + 1);
        var best = float.PositiveInfinity;
        for (var ty = Math.Max(0, index.Y + cy - shape.Height + 1); ty < tyEnd; ty++)
        {
            var row = ((index.Y - (ty - cy)) * shape.Width) + index.X + cx;
            for (var tx = txStart; tx < txEnd; tx++)
            {
                var t = tip[(ty * shape.TipWidth) + tx];
                best = t == float.NegativeInfinity ? best : Math.Min(best, image[row - tx] - t);
            }
        }

        output[(index.Y * shape.Width) + index.X] = best;
    }

    // Thread (i, j) is the apex position (i + cx, j + cy). The tip that imaged it has its surface at I − T over the
    // footprint; where exactly one footprint sample touches the reconstruction, that sample is certain. Several threads
    // may mark one pixel, always with 1, so the races are benign.
    internal static void CertaintyKernel(
        Index2D index, ArrayView<float> image, ArrayView<float> reconstruction, ArrayView<float> tip, ArrayView<float> output, MorphologyShape shape)
    {
        var cx = shape.TipWidth / 2;
        var cy = shape.TipHeight / 2;
        var x = index.X + cx;
        var y = index.Y + cy;
        var apex = image[(y * shape.Width) + x];
        var count = 0;
        var touched = 0;
        for (var ty = 0; ty < shape.TipHeight; ty++)
        {
            var row = (y + ty - cy) * shape.Width;
            for (var tx = 0; tx < shape.TipWidth; tx++)
            {
                var i = row + x + tx - cx;
                if (Math.Abs(apex - tip[(ty * shape.TipWidth) + tx] - reconstruction[i]) <= shape.Tolerance)
                {
                    count++;
                    touched = i;
                }
            }
        }

        if (count == 1)
        {
            output[touched] = 1;
        }
    }
}
