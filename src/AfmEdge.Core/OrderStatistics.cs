using System.Numerics;

namespace AfmEdge.Core;

/// <summary>Order statistics without a full sort, for every layer (the analysis's medians, the preview's percentiles).</summary>
public static class OrderStatistics
{
    /// <summary>
    /// The value of rank <paramref name="k"/> (0-based) in <paramref name="values"/>, which is reordered so that nothing
    /// before index k is greater and nothing after it is smaller: Hoare partitions around a median of three, so runs of
    /// equal values split evenly and a flat channel costs no more than a varied one. The values must not be NaN.
    /// </summary>
    public static float Select(Span<float> values, int k) => Select<float>(values, k);

    /// <summary>The same for any ordered values (the analysis also selects among integer sort keys).</summary>
    public static T Select<T>(Span<T> values, int k)
        where T : struct, IComparisonOperators<T, T, bool>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(k, values.Length);
        int left = 0, right = values.Length - 1;
        while (right > left)
        {
            var mid = left + ((right - left) / 2);
            if (values[mid] < values[left])
            {
                (values[mid], values[left]) = (values[left], values[mid]);
            }

            if (values[right] < values[left])
            {
                (values[right], values[left]) = (values[left], values[right]);
            }

            if (values[right] < values[mid])
            {
                (values[right], values[mid]) = (values[mid], values[right]);
            }

            var pivot = values[mid];
            int i = left, j = right;
            while (i <= j)
            {
                while (values[i] < pivot)
                {
                    i++;
                }

                while (values[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }

            if (k <= j)
            {
                right = j;
            }
            else if (k >= i)
            {
                left = i;
            }
            else
            {
                return values[k];
            }
        }

        return values[k];
    }
}
