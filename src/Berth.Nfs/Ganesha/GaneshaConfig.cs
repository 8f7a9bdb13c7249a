using System.Text;

namespace Berth.Nfs.Ganesha;

/// <summary>
/// The ganesha.conf for one NFSv4-only VFS export on 127.0.0.1 (see this-machine.md): no rpcbind, no NLM, no RQUOTA,
/// no grace period, root not squashed (the provisioner creates directories as root and chmods them 0777).
/// </summary>
public static class GaneshaConfig
{
    public static string Render(string exportDirectory, int port, string bindAddress = "127.0.0.1", string? clients = null)
    {
        if (exportDirectory.IndexOfAny(['"', '\n', ';', '{', '}']) >= 0)
            throw new ArgumentException($"export directory \"{exportDirectory}\" contains characters ganesha.conf cannot hold");
        var sb = new StringBuilder();
        sb.Append("NFS_CORE_PARAM {\n")
          .Append("  Bind_addr = ").Append(bindAddress).Append(";\n")
          .Append("  NFS_Port = ").Append(port).Append(";\n")
          .Append("  Protocols = 4;\n  Enable_UDP = false;\n  Enable_NLM = false;\n  Enable_RQUOTA = false;\n}\n")
          .Append("NFSV4 { Graceless = true; }\n")
          .Append("EXPORT {\n  Export_Id = 1;\n")
          .Append("  Path = \"").Append(exportDirectory).Append("\";\n")
          .Append("  Pseudo = \"").Append(exportDirectory).Append("\";\n")
          .Append("  Access_Type = RW;\n  Squash = No_Root_Squash;\n  Protocols = 4;\n  Transports = TCP;\n")
          .Append("  FSAL { Name = VFS; }\n")
          .Append("  CLIENT { Clients = ").Append(clients ?? bindAddress).Append("; Access_Type = RW; }\n}\n");
        return sb.ToString();
    }
}
