using AfmEdge.Core;

namespace AfmEdge.Formats.Tests;

/// <summary>Locates the shared sample files and builds small synthetic channels.</summary>
internal static class TestData
{
    private static readonly Lazy<string?> Directory = new(FindDirectory);

    /// <summary>The path of a file in shared/data/afm, or a dynamic skip when the data set is not beside the repository.</summary>
    public static string SamplePath(string fileName)
    {
        var dir = Directory.Value;
        if (dir is null)
        {
            Assert.Skip("shared/data/afm was not found above the test's base directory.");
        }

        return Path.Combine(dir, fileName);
    }

    public static byte[] SampleBytes(string fileName) => File.ReadAllBytes(SamplePath(fileName));

    /// <summary>A channel of deterministic values that exercise sign, magnitude and fraction bits.</summary>
    public static Channel Ramp(string name, PhysicalUnit unit, int width, int height, ScanDirection direction = ScanDirection.Trace, float scale = 1e-9f)
    {
        var data = new float[width * height];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = scale * (float)(Math.Sin(i * 0.37) * 1000 + (i % 7) - 3.25);
        }

        return new Channel(new ChannelDescriptor(name, unit, direction), width, height, data);
    }

    private static string? FindDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", "afm");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
