namespace Berth.Provisioners.Framework;

/// <summary>The provisioner kinds <c>berth provisioner KIND</c> knows: every <see cref="IProvisionerFactory"/> in this assembly.</summary>
public static class ProvisionerRegistry
{
    private static readonly Lazy<IReadOnlyList<IProvisionerFactory>> Factories = new(Discover);

    public static IReadOnlyList<IProvisionerFactory> All => Factories.Value;

    public static IProvisionerFactory? Find(string kind)
    {
        foreach (var f in All) if (f.Kind == kind) return f;
        return null;
    }

    private static IReadOnlyList<IProvisionerFactory> Discover()
    {
        var found = new List<IProvisionerFactory>();
        foreach (var t in typeof(ProvisionerRegistry).Assembly.GetTypes())
        {
            if (t.IsAbstract || t.IsInterface || !t.IsPublic || !typeof(IProvisionerFactory).IsAssignableFrom(t)) continue;
            if (t.GetConstructor(Type.EmptyTypes) is null) continue;
            found.Add((IProvisionerFactory)Activator.CreateInstance(t)!);
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Kind, b.Kind));
        return found;
    }
}
