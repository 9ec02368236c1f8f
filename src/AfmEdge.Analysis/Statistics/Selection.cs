namespace AfmEdge.Analysis.Statistics;

/// <summary>Order statistics in linear expected time (Hoare's quickselect with median-of-three pivots); reorders the span.</summary>
internal static class Selection
{
    /// <summary>The median (mean of the two middle values for an even count); NaN for an empty span.</summary>
    public static double Median(Span<float> values)
    {
        var n = values.Length;
        if (n == 0)
        {
            return double.NaN;
        }

        var upper = Select(values, n / 2);
        if (n % 2 == 1)
        {
            return upper;
        }

        // After selecting n/2, everything left of it is ≤ it: the lower middle is their maximum.
        var lower = float.NegativeInfinity;
        foreach (var v in values[..(n / 2)])
        {
            lower = Math.Max(lower, v);
        }

        return 0.5 * ((double)lower + upper);
    }

    public static float Select(Span<float> values, int k)
    {
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
