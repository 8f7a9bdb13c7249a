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

    /// <summary>The container in <paramref name="made"/>'s slot if it is equal, else <paramref name="made"/> (which takes the
    /// slot). Big containers are rarely equal to another object's, and are returned as they are. Also for other
    /// never-changed containers read from stored objects (the API cache's label maps).</summary>
    public static T Share<T>(T made, int count, int contentHash, Func<T, T, bool> equal) where T : class
    {
        if (count > MaxEntries) return made;
        ref object? slot = ref Table[HashCode.Combine(typeof(T), contentHash) & (Slots - 1)];
        if (Volatile.Read(ref slot) is T seen && equal(seen, made)) return seen;
        Volatile.Write(ref slot, made);
        return made;
    }

    /// <summary>A map of short strings or quantities, shared when an equal one (as it prints) was read last into its slot.</summary>
    private abstract class MapConverter<TValue> : JsonConverter<Dictionary<string, TValue>>
    {
        private readonly Func<Dictionary<string, TValue>, Dictionary<string, TValue>, bool> _equal;
        protected MapConverter() => _equal = Equal;

        protected abstract TValue ReadValue(ref Utf8JsonReader reader, JsonSerializerOptions options);
        /// <summary>The value as it is written (a quantity may remember the text it was read from): what equality compares.</summary>
        protected abstract string? Text(TValue value);

        public override Dictionary<string, TValue>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Null) return null;
            if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException($"expected an object, not {reader.TokenType}");
            var map = new Dictionary<string, TValue>(StringComparer.Ordinal);
            var hash = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var key = SharedStringConverter.Read(ref reader);
                reader.Read();
                var value = ReadValue(ref reader, options);
                map[key] = value;
                hash = HashCode.Combine(hash, key, Text(value)); // in the order read: the same map written otherwise just misses
            }
            return Share(map, map.Count, hash, _equal);
        }

        private bool Equal(Dictionary<string, TValue> a, Dictionary<string, TValue> b)
        {
            if (a.Count != b.Count) return false;
            foreach (var (k, v) in b)
                if (!a.TryGetValue(k, out var have) || Text(have) != Text(v)) return false;
            return true;
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
            var list = new List<string>();
            var hash = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var item = reader.TokenType == JsonTokenType.Null ? null! : SharedStringConverter.Read(ref reader);
                list.Add(item);
                hash = HashCode.Combine(hash, item);
            }
            return Share(list, list.Count, hash, static (a, b) => a.SequenceEqual(b));
        }

        public override void Write(Utf8JsonWriter writer, List<string> value, JsonSerializerOptions options)
            => JsonSerializer.Serialize(writer, value, KubeJson.Options);
    }
}
