using System.Globalization;

namespace Berth.Kubelet.Images;

/// <summary>An image config's User as runc needs it (numbers), looked up in the image's own /etc/passwd and /etc/group
/// as containerd's WithUser does.</summary>
public static class ImageUser
{
    /// <summary>(uid, gid) for "uid", "uid:gid", "name" or "name:group"; an empty user is root. Throws
    /// <see cref="InvalidOperationException"/> for a name the image does not know.</summary>
    public static (long Uid, long Gid) Resolve(string rootfs, string user)
    {
        if (user.Length == 0) return (0, 0);
        var colon = user.IndexOf(':');
        var u = colon < 0 ? user : user[..colon];
        var g = colon < 0 ? null : user[(colon + 1)..];
        long uid;
        long gid = 0;
        if (!long.TryParse(u, NumberStyles.None, CultureInfo.InvariantCulture, out uid))
        {
            var entry = Find(rootfs, "/etc/passwd", u) ?? throw new InvalidOperationException($"unable to find user {u}: no matching entries in passwd file");
            uid = Number(entry, 2);
            gid = Number(entry, 3);
        }
        else if (Find(rootfs, "/etc/passwd", null, uid) is { } byId) gid = Number(byId, 3);
        if (g is { Length: > 0 } && !long.TryParse(g, NumberStyles.None, CultureInfo.InvariantCulture, out gid))
        {
            var entry = Find(rootfs, "/etc/group", g) ?? throw new InvalidOperationException($"unable to find group {g}: no matching entries in group file");
            gid = Number(entry, 2);
        }
        return (uid, gid);
    }

    /// <summary>The fields of the line of a passwd-style file whose name (or, with <paramref name="id"/>, third field) matches.</summary>
    private static string[]? Find(string rootfs, string file, string? name, long id = -1)
    {
        // Read through the image's own links, never the host's.
        var path = RootPath.Resolve(rootfs, file, followLast: true);
        if (!File.Exists(path)) return null;
        foreach (var line in File.ReadLines(path))
        {
            var f = line.Split(':');
            if (f.Length < 4) continue;
            if (name is not null ? f[0] == name : f[2] == id.ToString(CultureInfo.InvariantCulture)) return f;
        }
        return null;
    }

    private static long Number(string[] fields, int i)
        => long.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
}
