using System.Buffers.Text;
using System.Security.Cryptography;
using Berth.Server.Hosting;

namespace Berth.Server.Auth;

/// <summary>
/// The RSA key that signs ServiceAccount tokens (kube-apiserver's --service-account-signing-key-file): made when first needed
/// as DATA/auth/sa.key (PKCS#8 PEM, mode 0600) and kept, so tokens stay valid across restarts. The key id is upstream's:
/// base64url(SHA-256(DER SubjectPublicKeyInfo)).
/// </summary>
public sealed class ServiceAccountSigningKey : IDisposable
{
    public const string FileName = "sa.key";

    public RSA Key { get; }
    public string KeyId { get; }

    private ServiceAccountSigningKey(RSA key)
    {
        Key = key;
        KeyId = Base64Url.EncodeToString(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));
    }

    public static ServiceAccountSigningKey LoadOrCreate(string authDir)
    {
        Directory.CreateDirectory(authDir);
        var file = Path.Combine(authDir, FileName);
        var rsa = RSA.Create();
        if (File.Exists(file))
        {
            rsa.ImportFromPem(File.ReadAllText(file));
            return new ServiceAccountSigningKey(rsa);
        }
        rsa.KeySize = 2048;
        // Written to a temporary name first: a crash mid-write must not leave a truncated key that fails every start.
        var tmp = file + ".tmp";
        Certificates.WriteSecret(tmp, rsa.ExportPkcs8PrivateKeyPem());
        File.Move(tmp, file, overwrite: false);
        return new ServiceAccountSigningKey(rsa);
    }

    public void Dispose() => Key.Dispose();
}
