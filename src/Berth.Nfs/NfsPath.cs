namespace Berth.Nfs;

/// <summary>
/// Paths inside an export built from user input (a claim's name, labels, annotations, a class's pathPattern). The rule:
/// nothing may be created, renamed or deleted outside the export. So a path is relative, has no ".", ".." or empty
/// segments, and — checked against the server with lstat — no existing component is a symlink or a non-directory.
/// <para>The check-then-use gap (a component swapped for a symlink between the lstat and the mkdir) needs someone
/// with write access to the export racing the provisioner; the export root itself is never writable by claims, and
/// the components we create are ours.</para>
/// </summary>
public static class NfsPath
{
    /// <summary>Returns why <paramref name="relative"/> is not a safe relative path, or null when it is.</summary>
    public static string? Problem(string relative)
    {
        if (string.IsNullOrEmpty(relative)) return "path is empty";
        if (relative[0] == '/') return $"path \"{relative}\" must be relative to the export";
        if (relative.Contains('\0')) return "path contains a NUL character";
        foreach (var seg in relative.Split('/'))
        {
            if (seg.Length == 0) return $"path \"{relative}\" has an empty segment";
            if (seg is "." or "..") return $"path \"{relative}\" must not contain \"{seg}\"";
            if (seg.Length > 255) return $"path \"{relative}\" has a segment longer than 255 characters";
        }
        return null;
    }

    /// <summary>Throws <see cref="ArgumentException"/> when <paramref name="relative"/> is not a safe relative path.</summary>
    public static string Validate(string relative)
    {
        var problem = Problem(relative);
        if (problem is not null) throw new ArgumentException(problem, nameof(relative));
        return relative;
    }

    /// <summary>The path's prefixes: "a/b/c" → "a", "a/b", "a/b/c".</summary>
    public static List<string> Prefixes(string relative)
    {
        var result = new List<string>();
        for (var i = 0; i < relative.Length; i++)
            if (relative[i] == '/') result.Add(relative[..i]);
        result.Add(relative);
        return result;
    }

    /// <summary>
    /// Checks every existing component of <paramref name="relative"/> with lstat: a symlink anywhere, or a non-directory
    /// before the last component, is refused with <see cref="UnsafePathException"/>. Returns the lstat of the full path
    /// (null when it does not exist yet).
    /// </summary>
    public static NfsStat? CheckComponents(NfsClient nfs, string relative)
    {
        Validate(relative);
        var prefixes = Prefixes(relative);
        for (var i = 0; i < prefixes.Count; i++)
        {
            var st = nfs.LStat(prefixes[i]);
            if (st is null) return null;
            if (st.IsSymlink) throw new UnsafePathException($"\"{prefixes[i]}\" is a symbolic link; refusing to follow it");
            if (i < prefixes.Count - 1 && !st.IsDirectory) throw new UnsafePathException($"\"{prefixes[i]}\" is not a directory");
            if (i == prefixes.Count - 1) return st;
        }
        return null;
    }

    /// <summary>
    /// mkdir -p without following symlinks: creates the missing components of <paramref name="relative"/>, the last with
    /// <paramref name="mode"/>, the ones above it with <paramref name="parentMode"/> (default: the same). Returns true when
    /// the last component was created by this call, false when it existed.
    /// </summary>
    public static bool EnsureDirectory(NfsClient nfs, string relative, int mode, int? parentMode = null)
    {
        Validate(relative);
        var prefixes = Prefixes(relative);
        var created = false;
        for (var i = 0; i < prefixes.Count; i++)
        {
            var p = prefixes[i];
            var st = nfs.LStat(p);
            if (st is null)
            {
                var last = i == prefixes.Count - 1;
                try { nfs.Mkdir(p, last ? mode : parentMode ?? mode); created = last; continue; }
                catch (NfsException e) when (e.AlreadyExists) { st = nfs.LStat(p); }
                if (st is null) throw new UnsafePathException($"\"{p}\" vanished while being created");
            }
            if (st.IsSymlink) throw new UnsafePathException($"\"{p}\" is a symbolic link; refusing to follow it");
            if (!st.IsDirectory) throw new UnsafePathException($"\"{p}\" exists and is not a directory");
        }
        return created;
    }
}

/// <summary>A path would leave the export or go through something that is not a plain directory.</summary>
public sealed class UnsafePathException(string message) : IOException(message);
