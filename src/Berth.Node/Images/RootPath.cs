namespace Berth.Kubelet.Images;

/// <summary>
/// Paths inside an image's root filesystem, resolved as the container would see them: symlinks are followed with the
/// root as "/" (an absolute target restarts from the root, ".." stops at it), so a path an archive names can never
/// lead outside the root, whatever links earlier layers planted (containerd's fs.RootPath, moby's symlink.FollowSymlinkInScope).
/// </summary>
internal static class RootPath
{
    private const int MaxLinks = 255;

    /// <summary>
    /// The host path of <paramref name="path"/> (relative or absolute, read inside <paramref name="root"/>). Every
    /// symlink on the way is followed inside the root; the last component is followed only when <paramref name="followLast"/>.
    /// </summary>
    public static string Resolve(string root, string path, bool followLast)
    {
        var done = new List<string>();
        var pending = new List<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        pending.Reverse(); // a stack: the next component is the last element
        int links = 0;
        while (pending.Count > 0)
        {
            var c = pending[^1];
            pending.RemoveAt(pending.Count - 1);
            if (c == ".") continue;
            if (c == "..")
            {
                if (done.Count > 0) done.RemoveAt(done.Count - 1);
                continue;
            }
            if (pending.Count == 0 && !followLast) { done.Add(c); break; }
            var host = Join(root, done, c);
            var target = new FileInfo(host).LinkTarget;
            if (target is null) { done.Add(c); continue; }
            if (++links > MaxLinks) throw new IOException($"too many levels of symbolic links in \"{path}\"");
            if (target.StartsWith('/')) done.Clear();
            var parts = target.Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (int i = parts.Length - 1; i >= 0; i--) pending.Add(parts[i]);
        }
        return Join(root, done, null);
    }

    /// <summary>
    /// An archive member's name as a clean relative path ("./a//b/" → "a/b"); null for the root itself. Names that are
    /// absolute or climb with ".." are refused: no image builder writes them, and they are the classic escape.
    /// </summary>
    public static string? Clean(string name, string what)
    {
        if (name.StartsWith('/')) throw new InvalidDataException($"{what}: entry \"{name}\" has an absolute path");
        var parts = name.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var kept = new List<string>(parts.Length);
        foreach (var p in parts)
        {
            if (p == ".") continue;
            if (p == "..") throw new InvalidDataException($"{what}: entry \"{name}\" leaves the root with \"..\"");
            if (p.IndexOf('\0') >= 0) throw new InvalidDataException($"{what}: entry \"{name}\" has a NUL character");
            kept.Add(p);
        }
        return kept.Count == 0 ? null : string.Join('/', kept);
    }

    private static string Join(string root, List<string> parts, string? last)
    {
        var s = root.TrimEnd('/');
        foreach (var p in parts) s += "/" + p;
        if (last is not null) s += "/" + last;
        return s.Length == 0 ? "/" : s;
    }
}
