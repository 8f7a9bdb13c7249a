using System.Collections.Concurrent;

namespace Berth.Store.Sqlite;

/// <summary>A small pool of read connections; WAL lets them read concurrently with the writer.</summary>
internal sealed class ReadPool : IDisposable
{
    readonly string _path;
    readonly SemaphoreSlim _slots;
    readonly ConcurrentBag<ReadConnection> _idle = [];
    volatile bool _disposed;

    public ReadPool(string path, int size)
    {
        _path = path;
        _slots = new SemaphoreSlim(size, size);
    }

    public async ValueTask<ReadConnection> RentAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _slots.WaitAsync(ct).ConfigureAwait(false);
        if (_idle.TryTake(out ReadConnection? conn)) return conn;
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return new ReadConnection(_path);
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    public void Return(ReadConnection conn)
    {
        if (_disposed) conn.Dispose();
        else
        {
            _idle.Add(conn);
            // Dispose may have run between the check and the Add.
            if (_disposed && _idle.TryTake(out ReadConnection? late)) late.Dispose();
        }
        _slots.Release();
    }

    /// <summary>Closes the idle connections; rented ones are closed when returned.</summary>
    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out ReadConnection? conn)) conn.Dispose();
    }
}
