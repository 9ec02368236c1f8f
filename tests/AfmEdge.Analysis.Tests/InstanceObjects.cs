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
}
