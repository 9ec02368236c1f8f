namespace AfmEdge.Inference;

/// <summary>Lookups in a model's or a config's list of channel names (ordinal, as channel keys compare).</summary>
internal static class ChannelNames
{
    /// <summary>Where <paramref name="name"/> stands in <paramref name="names"/>, or −1; no allocation (the enhancer asks per frame).</summary>
    public static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
