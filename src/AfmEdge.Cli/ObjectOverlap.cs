namespace AfmEdge.Cli;

/// <summary>
/// How many pixels of every true chromosome lie in every found object (object 0: in none), and each found object's size:
/// what the eval's IoU reads. A true chromosome is matched to the found object holding most of it (the first on a tie).
/// </summary>
internal sealed class ObjectOverlap
{
    private readonly int[] _shared;
    private readonly int[] _sizes;
    private readonly int _stride;

    /// <param name="trueIds">The truth's chromosome id per pixel (0: substrate), ids up to <paramref name="maxId"/>.</param>
    /// <param name="found">The analysis's object per pixel (0: none, 1..<paramref name="foundCount"/>).</param>
    public ObjectOverlap(ReadOnlySpan<int> trueIds, ReadOnlySpan<int> found, int maxId, int foundCount)
    {
        _stride = foundCount + 1;
        _shared = new int[(maxId + 1) * _stride];
        _sizes = new int[_stride];
        for (var i = 0; i < trueIds.Length; i++)
        {
            _shared[(trueIds[i] * _stride) + found[i]]++;
            _sizes[found[i]]++;
        }
    }

    /// <summary>Pixels of true chromosome <paramref name="trueId"/> (0: substrate) in found object <paramref name="foundId"/> (0: none).</summary>
    public int Shared(int trueId, int foundId) => _shared[(trueId * _stride) + foundId];

    /// <summary>Pixels of found object <paramref name="foundId"/>.</summary>
    public int Size(int foundId) => _sizes[foundId];

    /// <summary>Per found object 1.., the pixels of true chromosome <paramref name="trueId"/> it holds (index k is object k + 1).</summary>
    public ReadOnlySpan<int> Row(int trueId) => _shared.AsSpan((trueId * _stride) + 1, _stride - 1);

    /// <summary>
    /// The found object (0-based index into the analysis's chromosomes) holding most of the true chromosome, −1 when none
    /// holds any of it, and their IoU (0 then).
    /// </summary>
    public (int Best, double Iou) Match(int trueId, int truePixels)
    {
        var row = Row(trueId);
        var best = -1;
        for (var k = 0; k < row.Length; k++)
        {
            best = row[k] > 0 && (best < 0 || row[k] > row[best]) ? k : best;
        }

        return best < 0 ? (-1, 0) : (best, row[best] / (double)(truePixels + _sizes[best + 1] - row[best]));
    }
}
