namespace Berth.Tests.Shared;

/// <summary>Tests' temporary directories: made under the temp root, removed afterwards. Linked into every test project.</summary>
public static class TempDirectory
{
    public static string Create(string prefix) => Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>
    /// Removes a test's directory and everything in it, best effort: never fails a test. A directory with something still
    /// mounted at or beneath it (a pod's volume or root file system that a failed test left behind) is left alone, since
    /// deleting through a mount deletes what the mount shows.
    /// </summary>
    public static void Delete(string dir)
    {
        if (!Directory.Exists(dir) || HasMountsAtOrBelow(dir)) return;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            try { Directory.Delete(dir, recursive: true); return; }
            catch (DirectoryNotFoundException) { return; }
            catch (IOException) { Thread.Sleep(100); }
            catch (UnauthorizedAccessException) { Thread.Sleep(100); }
        }
    }

    private static bool HasMountsAtOrBelow(string dir)
    {
        var root = Path.GetFullPath(dir).TrimEnd('/');
        try
        {
            // mountinfo's fifth field is the mount point, with spaces escaped as \040.
            foreach (var line in File.ReadLines("/proc/self/mountinfo"))
            {
                var mountPoint = line.Split(' ')[4].Replace("\\040", " ", StringComparison.Ordinal);
                if (mountPoint == root || mountPoint.StartsWith(root + "/", StringComparison.Ordinal)) return true;
            }
            return false;
        }
        catch (IOException) { return true; } // cannot tell: keep the directory
    }
}
