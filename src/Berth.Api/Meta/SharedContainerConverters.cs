using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Api.Meta;

/// <summary>
/// Converters for decoding objects that are shared and never changed (<see cref="KubeJson.SharedOptions"/>): equal small
/// maps and string lists come back as one instance. Across thousands of claims and volumes the annotations, finalizers,
/// access modes and resource lists are mostly the same few values, and each costs a Dictionary or a List per object
/// (~1.5 KB of a decoded claim's ~2 KB). Like <see cref="SharedStringConverter"/> the table is lossy and lock-free: a
/// slot holds the last container read with that content's hash; a miss just makes a new one.
/// <para>A container read this way may be referenced by many objects, so a change to it would change all of them: only
/// readers that promise not to change what they read (informer caches) get these objects, and they copy before they
/// write, as client-go's informers require.</para>
/// </summary>
public static class SharedContainers
{
    private const int MaxEntries = 8;
    private const int Slots = 4096; // a power of two
    private static readonly object?[] Table = new object?[Slots];

    public static readonly JsonConverter[] Converters =
        [new StringMapConverter(), new QuantityMapConverter(), new StringListConverter()];

    /// <summary>The shared container equal to <paramref name="pairs"/> (keys and values alternate), or a new one.</summary>
    private static T Share<T>(List<(string Key, object? Value)> pairs, Func<T, List<(string Key, object? Value)>, bool> equal,
        Func<List<(string Key, object? Value)>, T> build, Func<object?, int> valueHash) where T : class
    {
        if (pairs.Count > MaxEntries) return build(pairs);
        var hash = new HashCode();
        hash.Add(typeof(T));
        foreach (var (k, v) in pairs) { hash.Add(k); hash.Add(valueHash(v)); }
        ref object? slot = ref Table[hash.ToHashCode() & (Slots - 1)];
        if (Volatile.Read(ref slot) is T seen && equal(seen, pairs)) return seen;
        var made = build(pairs);
        Volatile.Write(ref slot, made);
        return made;
    }

    /// <summary>A map of short strings or quantities, shared when an equal one (as it prints) was read last into its slot.</summary>
    private abstract class MapConverter<TValue> : JsonConverter<Dictionary<string, TValue>>
    {
        protected abstract TValue ReadValue(ref Utf8JsonReader reader, JsonSerializerOptions options);
        /// <summary>The value as it is written (a quantity may remember the text it was read from): what equality compares.</summary>
        protected abstract string? Text(TValue value);

        public override Dictionary<string, TValue>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Null) return null;
            if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException($"expected an object, not {reader.TokenType}");
            var pairs = new List<(string Key, object? Value)>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var key = SharedStringConverter.Read(ref reader);
                reader.Read();
                pairs.Add((key, ReadValue(ref reader, options)));
            }
            return Share(pairs, (d, p) =>
            {
                if (d.Count != p.Count) return false;
                foreach (var (k, v) in p)
                    if (!d.TryGetValue(k, out var have) || Text(have) != Text((TValue)v!)) return false;
                return true;
            }, static p =>
            {
                var d = new Dictionary<string, TValue>(p.Count, StringComparer.Ordinal);
                foreach (var (k, v) in p) d[k] = (TValue)v!;
                return d;
            }, v => Text((TValue)v!)?.GetHashCode() ?? 0);
        }

        public override void Write(Utf8JsonWriter writer, Dictionary<string, TValue> value, JsonSerializerOptions options)
            => JsonSerializer.Serialize(writer, value, KubeJson.Options);
    }

    private sealed class StringMapConverter : MapConverter<string>
    {
        protected override string ReadValue(ref Utf8JsonReader reader, JsonSerializerOptions options)
            => reader.TokenType == JsonTokenType.Null ? null! : SharedStringConverter.Read(ref reader);
        protected override string? Text(string value) => value;
    }

    private sealed class QuantityMapConverter : MapConverter<Quantity>
    {
        private static readonly QuantityJsonConverter Quantities = new();
        protected override Quantity ReadValue(ref Utf8JsonReader reader, JsonSerializerOptions options)
            => Quantities.Read(ref reader, typeof(Quantity), options);
        protected override string? Text(Quantity value) => value.ToString();
    }

    private sealed class StringListConverter : JsonConverter<List<string>>
    {
        public override List<string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Null) return null;
            if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected an array of strings");
            var items = new List<(string Key, object? Value)>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                items.Add((reader.TokenType == JsonTokenType.Null ? null! : SharedStringConverter.Read(ref reader), null));
            return Share(items, static (l, p) =>
            {
                if (l.Count != p.Count) return false;
                for (int i = 0; i < l.Count; i++) if (l[i] != p[i].Key) return false;
                return true;
            }, static p =>
            {
                var l = new List<string>(p.Count);
                foreach (var (k, _) in p) l.Add(k);
                return l;
            }, static _ => 0);
        }

        public override void Write(Utf8JsonWriter writer, List<string> value, JsonSerializerOptions options)
            => JsonSerializer.Serialize(writer, value, KubeJson.Options);
    }
}
