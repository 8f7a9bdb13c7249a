using System.Text;

namespace Berth.Server.Hosting;

/// <summary>Writes the kubeconfig a user points kubectl at: the server URL, the CA, and the admin token.</summary>
public static class Kubeconfig
{
    public static void Write(string path, string serverUrl, string caPem, string token)
    {
        var ca = Convert.ToBase64String(Encoding.UTF8.GetBytes(caPem));
        var text = $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: berth
              cluster:
                server: {serverUrl}
                certificate-authority-data: {ca}
            users:
            - name: admin
              user:
                token: {token}
            contexts:
            - name: berth
              context:
                cluster: berth
                user: admin
                namespace: default
            current-context: berth

            """;
        var tmp = path + ".tmp";
        Certificates.WriteSecret(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}
