namespace AfmEdge.Formats.Gwy;

/// <summary>One channel of a .gwy file: the data at "/Id/data", its title, mask ("/Id/mask"), metadata ("/Id/meta") and palette.</summary>
public sealed record GwyChannel(
    int Id, string Title, GwyDataField Field, GwyDataField? Mask, IReadOnlyDictionary<string, string> Metadata, string? Palette = null);
