using System.Text;

namespace Berth.Store.Sqlite;

/// <summary>
/// A key prefix as an index range on <c>name</c>: <c>name &gt;= Low AND name &lt; High</c>. SQLite compares TEXT
/// with memcmp on UTF-8, which orders like code points, so the exclusive upper bound is the prefix with its last code
/// point replaced by the next one (a trailing U+10FFFF is dropped and the one before it incremented). For the empty
/// prefix the bound is a BLOB, which sorts after every TEXT value. No LIKE, so '%' and '_' in keys are plain bytes.
/// Both bounds are plain parameters, so SQLite uses them as a range on the (name, id) index.
/// </summary>
internal readonly record struct KeyRange(string Low, object High)
{
    public const string Sql = "name >= $lo AND name < $hi";

    static readonly byte[] AboveAllText = [0xFF];

    public static KeyRange ForPrefix(string prefix)
    {
        var runes = new List<Rune>(prefix.Length);
        foreach (Rune r in prefix.EnumerateRunes()) runes.Add(r);
        while (runes.Count > 0)
        {
            int last = runes[^1].Value;
            if (last < 0x10FFFF)
            {
                int next = last == 0xD7FF ? 0xE000 : last + 1; // skip the surrogate range
                runes[^1] = new Rune(next);
                var sb = new StringBuilder(prefix.Length + 1);
                foreach (Rune r in runes) sb.Append(r.ToString());
                return new KeyRange(prefix, sb.ToString());
            }
            runes.RemoveAt(runes.Count - 1);
        }
        return new KeyRange(prefix, AboveAllText);
    }
}
