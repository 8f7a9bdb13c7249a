using System.Net;
using System.Net.Sockets;

namespace Berth.Kubelet.Network;

/// <summary>An IPv4 network such as 10.88.0.0/16: its addresses as integers, the gateway (.1) and the usable pod range.</summary>
public sealed class Ipv4Cidr
{
    public uint Network { get; }
    public int PrefixLength { get; }
    public uint Mask => PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);
    public uint Broadcast => Network | ~Mask;
    /// <summary>The bridge's address: the first host address.</summary>
    public uint Gateway => Network + 1;
    /// <summary>The first address handed to pods (after the gateway).</summary>
    public uint FirstPod => Network + 2;
    /// <summary>The last address handed to pods (before the broadcast address).</summary>
    public uint LastPod => Broadcast - 1;

    private Ipv4Cidr(uint network, int prefix) { Network = network; PrefixLength = prefix; }

    public static Ipv4Cidr Parse(string cidr)
    {
        var slash = cidr.IndexOf('/');
        if (slash < 0 || !IPAddress.TryParse(cidr.AsSpan(0, slash), out var ip) || ip.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(cidr.AsSpan(slash + 1), out var prefix) || prefix < 8 || prefix > 30)
            throw new ArgumentException($"invalid pod CIDR {cidr}: want an IPv4 network with a prefix length from 8 to 30, e.g. 10.88.0.0/16");
        var c = new Ipv4Cidr(0, prefix);
        var addr = ToUInt(ip);
        if ((addr & c.Mask) != addr) throw new ArgumentException($"invalid pod CIDR {cidr}: host bits are set");
        return new Ipv4Cidr(addr, prefix);
    }

    public bool Contains(uint addr) => (addr & Mask) == Network;

    public override string ToString() => $"{Format(Network)}/{PrefixLength}";

    public static uint ToUInt(IPAddress ip)
    {
        Span<byte> b = stackalloc byte[4];
        ip.TryWriteBytes(b, out _);
        return (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
    }

    public static bool TryParseAddress(string s, out uint addr)
    {
        addr = 0;
        if (!IPAddress.TryParse(s, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork) return false;
        addr = ToUInt(ip);
        return true;
    }

    public static string Format(uint addr) => $"{addr >> 24}.{(addr >> 16) & 0xff}.{(addr >> 8) & 0xff}.{addr & 0xff}";
}
