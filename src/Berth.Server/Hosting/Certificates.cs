using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Berth.Server.Hosting;

/// <summary>
/// The cluster's PKI, made on first start and kept in DATA/pki: a CA, the API server's serving certificate
/// (for 127.0.0.1, ::1, localhost and this host's name) signed by it.
/// </summary>
public sealed class Certificates
{
    public required X509Certificate2 Ca { get; init; }
    public required X509Certificate2 Serving { get; init; }
    public required string CaPem { get; init; }

    public static Certificates LoadOrCreate(string pkiDir, IEnumerable<string> extraHosts)
    {
        Directory.CreateDirectory(pkiDir);
        var caCrt = Path.Combine(pkiDir, "ca.crt");
        var caKey = Path.Combine(pkiDir, "ca.key");
        var srvCrt = Path.Combine(pkiDir, "apiserver.crt");
        var srvKey = Path.Combine(pkiDir, "apiserver.key");

        if (!File.Exists(caCrt) || !File.Exists(caKey))
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var req = new CertificateRequest("CN=berth-ca", key, HashAlgorithmName.SHA256);
            req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
            req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
            using var ca = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(10));
            WriteSecret(caKey, key.ExportPkcs8PrivateKeyPem());
            File.WriteAllText(caCrt, ca.ExportCertificatePem());
            File.Delete(srvCrt);
        }
        var caCert = X509Certificate2.CreateFromPemFile(caCrt, caKey);

        var hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "127.0.0.1", "::1", "localhost", Dns.GetHostName() };
        foreach (var h in extraHosts) hosts.Add(h);
        if (!File.Exists(srvCrt) || !File.Exists(srvKey) || !Covers(X509Certificate2.CreateFromPem(File.ReadAllText(srvCrt)), hosts))
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var req = new CertificateRequest("CN=kube-apiserver", key, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            foreach (var h in hosts)
            {
                if (IPAddress.TryParse(h, out var ip)) san.AddIpAddress(ip); else san.AddDnsName(h);
            }
            san.AddDnsName("kubernetes");
            san.AddDnsName("kubernetes.default");
            san.AddDnsName("kubernetes.default.svc");
            san.AddDnsName("kubernetes.default.svc.cluster.local");
            req.CertificateExtensions.Add(san.Build());
            req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
            req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
            var serial = RandomNumberGenerator.GetBytes(16);
            serial[0] &= 0x7f;
            using var cert = req.Create(caCert, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(5), serial);
            WriteSecret(srvKey, key.ExportPkcs8PrivateKeyPem());
            File.WriteAllText(srvCrt, cert.ExportCertificatePem());
        }
        // Served as loaded from PEM: on Linux (OpenSSL) Kestrel takes such a key as it is. A round trip through a PKCS#12
        // blob, which Windows' TLS would want, cost 40-60 ms of every cold start.
        var serving = X509Certificate2.CreateFromPemFile(srvCrt, srvKey);
        return new Certificates { Ca = caCert, Serving = serving, CaPem = File.ReadAllText(caCrt) };
    }

    private static bool Covers(X509Certificate2 cert, HashSet<string> hosts)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var ext in cert.Extensions)
            if (ext is X509SubjectAlternativeNameExtension s)
            {
                foreach (var d in s.EnumerateDnsNames()) names.Add(d);
                foreach (var ip in s.EnumerateIPAddresses()) names.Add(ip.ToString());
            }
        return hosts.All(names.Contains) && cert.NotAfter > DateTime.UtcNow.AddDays(30);
    }

    /// <summary>Writes a private key readable by its owner only.</summary>
    public static void WriteSecret(string path, string content)
    {
        File.WriteAllText(path, "");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(path, content);
    }
}
