namespace AfmEdge.Analysis.Tests;

/// <summary>The 8-connected objects of an instance image (chromosomes in contact are one), each as the set of ids it holds.</summary>
internal static class InstanceObjects
{
    public static List<HashSet<int>> IdsPerObject(ReadOnlySpan<int> instances, int width, int rows)
    {
        var seen = new bool[instances.Length];
        var stack = new Stack<int>();
        var objects = new List<HashSet<int>>();
        for (var start = 0; start < instances.Length; start++)
        {
            if (instances[start] == 0 || seen[start])
            {
                continue;
            }

            var ids = new HashSet<int>();
            seen[start] = true;
            stack.Push(start);
            while (stack.TryPop(out var p))
            {
                ids.Add(instances[p]);
                for (var dy = -1; dy <= 1; dy++)
                {
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        int x = (p % width) + dx, y = (p / width) + dy;
                        if ((uint)x < (uint)width && (uint)y < (uint)rows && instances[(y * width) + x] != 0 && !seen[(y * width) + x])
                        {
                            seen[(y * width) + x] = true;
                            stack.Push((y * width) + x);
                        }
                    }
                }
            }

            objects.Add(ids);
        }

        return objects;
    }

    /// <summary>The bounding box of id <paramref name="id"/>'s pixels.</summary>
    public static (int X0, int Y0, int X1, int Y1) Box(int[] instances, int width, int id)
    {
        int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
        for (var i = 0; i < instances.Length; i++)
        {
            if (instances[i] == id)
            {
                (x0, y0, x1, y1) = (Math.Min(x0, i % width), Math.Min(y0, i / width), Math.Max(x1, i % width), Math.Max(y1, i / width));
            }
        }

        return (x0, y0, x1, y1);
    }
}
