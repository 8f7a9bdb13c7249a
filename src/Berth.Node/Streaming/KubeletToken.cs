using System.Security.Cryptography;

namespace Berth.Kubelet.Streaming;

/// <summary>
/// The shared secret of the API server → kubelet hop: a random token in a 0600 file (DATA/auth/kubelet-token) that the
/// API server sends as a bearer token and the node agent's kubelet API requires. A node agent running elsewhere is
/// given a copy of the file.
/// </summary>
public static class KubeletToken
{
    public const string FileName = "kubelet-token";

    public static string LoadOrCreate(string authDir)
    {
        Directory.CreateDirectory(authDir);
        var path = Path.Combine(authDir, FileName);
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (existing.Length >= 32) return existing;
        }
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, "");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite); // before the secret goes in
        File.WriteAllText(tmp, token);
        File.Move(tmp, path, overwrite: true);
        return token;
    }
}
