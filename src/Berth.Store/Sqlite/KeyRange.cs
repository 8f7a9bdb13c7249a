using System.Text;

namespace Berth.Store.Sqlite;

/// <summary>
/// A key prefix as an index range on <c>name</c>: <c>name &gt;= Low AND name &lt; CAST(High AS TEXT)</c>.
/// SQLite compares TEXT with memcmp on UTF-8, so the exclusive upper bound is the prefix's UTF-8 bytes with the last
/// byte incremented (valid UTF-8 never contains 0xF5..0xFF, so that cannot overflow); for the empty prefix it is 0xFF,
/// which is above every valid UTF-8 string. No LIKE, so '%' and '_' in keys are plain bytes.
/// </summary>
internal readonly record struct KeyRange(string Low, byte[] High)
{
    public static KeyRange ForPrefix(string prefix)
    {
        if (prefix.Length == 0) return new KeyRange("", [0xFF]);
        byte[] high = Encoding.UTF8.GetBytes(prefix);
        high[^1]++;
        return new KeyRange(prefix, high);
    }

    public const string Sql = "name >= $lo AND name < CAST($hi AS TEXT)";
}
