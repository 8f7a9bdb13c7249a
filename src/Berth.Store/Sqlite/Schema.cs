using Microsoft.Data.Sqlite;

namespace Berth.Store.Sqlite;

/// <summary>
/// The on-disk layout (kine-like): one append-only log whose row id is the revision, plus a small meta table.
/// <list type="bullet">
/// <item><c>log(id = revision, name, created, deleted, create_revision, prev_revision, value)</c>, indexed on (name, id).
/// A create row has prev_revision 0; an update/delete row points at the key's previous row; a delete row (tombstone)
/// carries the deleted value.</item>
/// <item><c>meta(key, value)</c>: <c>schema_version</c> and <c>compact_revision</c>.</item>
/// </list>
/// The file is marked with <c>PRAGMA application_id</c> so a foreign SQLite database is recognised.
/// </summary>
internal static class Schema
{
    public const int ApplicationId = 0x42525448; // "BRTH"
    public const long Version = 1;
    public const string MetaCompactRevision = "compact_revision";
    public const string MetaSchemaVersion = "schema_version";

    const string Create = """
        CREATE TABLE log (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            created INTEGER NOT NULL,
            deleted INTEGER NOT NULL,
            create_revision INTEGER NOT NULL,
            prev_revision INTEGER NOT NULL,
            value BLOB NOT NULL
        );
        CREATE INDEX log_name_id ON log (name, id);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO meta (key, value) VALUES ('schema_version', 1), ('compact_revision', 0);
        """;

    public static SqliteConnection OpenConnection(string path, bool readOnlyQueries)
    {
        var cs = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString();
        var conn = new SqliteConnection(cs);
        try
        {
            conn.Open();
            Exec(conn, "PRAGMA busy_timeout = 10000;");
            // Readers serve the cold start's one full scan, then little (the API server answers from its cache): a small
            // page cache each (256 KiB, not SQLite's 2 MiB) keeps that scan from leaving megabytes behind in every one.
            if (readOnlyQueries) Exec(conn, "PRAGMA query_only = 1; PRAGMA cache_size = -256;");
            else Exec(conn, "PRAGMA synchronous = FULL;");
            return conn;
        }
        catch
        {
            conn.Dispose();
            throw;
        }
    }

    /// <summary>Creates the schema in an empty database or checks that an existing one is a Berth store of this version.</summary>
    public static void EnsureOrValidate(SqliteConnection conn, string path)
    {
        // Reading the header first: a garbage file fails here with SQLITE_NOTADB.
        long appId = Scalar(conn, "PRAGMA application_id;");
        long tables = Scalar(conn, "SELECT count(*) FROM sqlite_master;");
        string mode = Convert.ToString(new SqliteCommand("PRAGMA journal_mode = WAL;", conn).ExecuteScalar()) ?? "";
        if (!mode.Equals("wal", StringComparison.OrdinalIgnoreCase))
            throw new StoreOpenException($"{path}: cannot enable WAL journal mode (got '{mode}')");
        if (appId == 0 && tables == 0)
        {
            using var tx = conn.BeginTransaction();
            using (var cmd = new SqliteCommand(Create, conn, tx)) cmd.ExecuteNonQuery();
            using (var cmd = new SqliteCommand($"PRAGMA application_id = {ApplicationId};", conn, tx)) cmd.ExecuteNonQuery();
            tx.Commit();
            return;
        }
        if (appId != ApplicationId)
            throw new StoreOpenException($"{path} is not a Berth store (a SQLite database of another application)");
        long? version = MetaValue(conn, MetaSchemaVersion);
        if (version is null) throw new StoreOpenException($"{path} is not a valid Berth store (schema version missing)");
        if (version != Version)
            throw new StoreOpenException($"{path} has Berth store schema version {version}; this build supports {Version}");
        if (MetaValue(conn, MetaCompactRevision) is null)
            throw new StoreOpenException($"{path} is not a valid Berth store (compact revision missing)");
    }

    public static long? MetaValue(SqliteConnection conn, string key)
    {
        using var cmd = new SqliteCommand("SELECT value FROM meta WHERE key = $k;", conn);
        cmd.Parameters.AddWithValue("$k", key);
        object? v = cmd.ExecuteScalar();
        return v is null or DBNull ? null : Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture);
    }

    public static long Scalar(SqliteConnection conn, string sql)
    {
        using var cmd = new SqliteCommand(sql, conn);
        object? v = cmd.ExecuteScalar();
        return v is null or DBNull ? 0 : Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture);
    }

    public static void Exec(SqliteConnection conn, string sql)
    {
        using var cmd = new SqliteCommand(sql, conn);
        cmd.ExecuteNonQuery();
    }
}

/// <summary>A live key's revisions, kept in memory by the writer for compare-and-swap checks.</summary>
internal readonly record struct IndexEntry(long CreateRevision, long ModRevision);
