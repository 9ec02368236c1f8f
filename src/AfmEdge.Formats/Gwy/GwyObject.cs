namespace AfmEdge.Formats.Gwy;

/// <summary>
/// One serialized Gwyddion object (GwyContainer, GwyDataField, GwySIUnit, …): its GType name and its
/// components in file order. Component values are bool ('b'), byte ('c'), int ('i'), long ('q'),
/// double ('d'), string ('s'), <see cref="GwyObject"/> ('o') or arrays of those (byte[], int[], long[],
/// double[], string[], GwyObject[]). A GwyContainer's components are its items, named by their keys.
/// </summary>
public sealed class GwyObject
{
    public GwyObject(string typeName, IEnumerable<GwyComponent>? components = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(typeName);
        TypeName = typeName;
        Components = components is null ? [] : [.. components];
    }

    public string TypeName { get; }

    public IList<GwyComponent> Components { get; }

    public GwyObject Add(string name, object value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        Components.Add(new GwyComponent(name, value));
        return this;
    }

    public bool TryGet<T>(string name, out T value)
    {
        foreach (var component in Components)
        {
            if (component.Name == name && component.Value is T typed)
            {
                value = typed;
                return true;
            }
        }

        value = default!;
        return false;
    }

    public T? GetOrDefault<T>(string name)
        where T : class => TryGet<T>(name, out var value) ? value : null;
}

/// <summary>A named component (or container item) of a <see cref="GwyObject"/>.</summary>
public readonly record struct GwyComponent(string Name, object Value);
