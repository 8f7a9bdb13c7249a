using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Berth.Api.Meta;

namespace Berth.Server.Storage;

/// <summary>
/// A cached object's labels as selectors read them: keys and values side by side in one array, looked up by a linear
/// scan (objects carry a handful of labels). A fifth of the size of a Dictionary, and there is one per cached object.
/// </summary>
public sealed class LabelMap : IReadOnlyDictionary<string, string>
{
    private readonly string[] _pairs; // key0, value0, key1, value1, …

    private LabelMap(string[] pairs) => _pairs = pairs;

    /// <summary>The map of these pairs. Objects mostly carry the same few label sets, and a map is never changed, so an
    /// equal map read just before is returned instead of a new one (<see cref="SharedContainers.Share"/>).</summary>
    public static LabelMap Of(List<string> pairs)
    {
        int hash = 0;
        foreach (var p in pairs) hash = HashCode.Combine(hash, p);
        return SharedContainers.Share(new LabelMap(pairs.ToArray()), pairs.Count / 2, hash, SameAs);
    }

    private static readonly Func<LabelMap, LabelMap, bool> SameAs = (a, b) => a._pairs.AsSpan().SequenceEqual(b._pairs);

    public int Count => _pairs.Length / 2;

    public string this[string key] => TryGetValue(key, out var v) ? v : throw new KeyNotFoundException(key);

    public IEnumerable<string> Keys { get { for (int i = 0; i < _pairs.Length; i += 2) yield return _pairs[i]; } }

    public IEnumerable<string> Values { get { for (int i = 1; i < _pairs.Length; i += 2) yield return _pairs[i]; } }

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        // The last occurrence wins, as when a JSON object repeats a key.
        for (int i = _pairs.Length - 2; i >= 0; i -= 2)
            if (string.Equals(_pairs[i], key, StringComparison.Ordinal)) { value = _pairs[i + 1]; return true; }
        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        for (int i = 0; i < _pairs.Length; i += 2)
            if (TryGetValue(_pairs[i], out var v) && ReferenceEquals(v, _pairs[i + 1])) yield return new(_pairs[i], v);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
