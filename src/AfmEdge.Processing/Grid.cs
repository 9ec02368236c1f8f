using System.Globalization;

namespace AfmEdge.Processing;

/// <summary>Argument checks shared by the grid operations, so every op reports bad geometry the same way.</summary>
internal static class Grid
{
    public static void Check(int inputLength, int outputLength, int width, int height, int minWidth = 1, int minHeight = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, minWidth);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, minHeight);
        if (inputLength != (long)width * height)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Input has {inputLength} samples but the grid is {width}×{height} = {(long)width * height}."));
        }

        if (outputLength != inputLength)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Output has {outputLength} samples but the input has {inputLength}; they must match."));
        }
    }

    public static void CheckMask(int maskLength, int width, int height)
    {
        if (maskLength != 0 && maskLength != (long)width * height)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Mask has {maskLength} samples but the grid is {width}×{height}; pass an empty mask for none."));
        }
    }
}
