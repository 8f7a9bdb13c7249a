using System.Text;
using Berth.Store.Sqlite;

namespace Berth.Store.Tests;

/// <summary>A temp directory holding a store file; deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = TempDirectory.Create("berth-store-test-");
    public string File(string name = "store.db") => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        TempDirectory.Delete(Path);
    }
}

internal static class T
{
    public static byte[] B(string s) => Encoding.UTF8.GetBytes(s);
    public static string S(ReadOnlyMemory<byte> b) => Encoding.UTF8.GetString(b.Span);
    public static Task<SqliteStore> Open(TempDir dir, SqliteStoreOptions? options = null) => SqliteStore.OpenAsync(dir.File(), options);

    /// <summary>Collects <paramref name="count"/> events from a watch, failing after a timeout.</summary>
    public static async Task<List<StoreEvent>> Collect(IAsyncEnumerable<StoreEvent> watch, int count, int timeoutMs = 20_000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        var list = new List<StoreEvent>();
        await foreach (StoreEvent ev in watch.WithCancellation(cts.Token))
        {
            list.Add(ev);
            if (list.Count == count) return list;
        }
        throw new Xunit.Sdk.XunitException($"watch ended after {list.Count} of {count} events");
    }

    public static long CountRows(string path)
    {
        using var conn = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM log";
        return (long)cmd.ExecuteScalar()!;
    }
}
