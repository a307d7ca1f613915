using System.Buffers.Binary;
using static Init.Interop.Consts;

namespace Init.Interop;

// Datagram sockets (svlogd's UDP copies of log lines).
public static unsafe partial class Sys
{
    private const int AF_INET = 2, SOCK_DGRAM = 2, SOCK_NONBLOCK = 0x800;

    /// <summary>A non-blocking, close-on-exec IPv4 UDP socket, or -1.</summary>
    public static int UdpSocket()
    {
        int fd = Libc.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | O_CLOEXEC, 0);
        return fd >= 0 ? fd : Fail(LastError);
    }

    /// <summary>One datagram to <paramref name="address"/> (4 bytes) and <paramref name="port"/>: the bytes sent, or -1.</summary>
    public static int SendTo(int fd, ReadOnlySpan<byte> data, ReadOnlySpan<byte> address, ushort port)
    {
        // struct sockaddr_in: family (host order), port (network order), address, 8 bytes of zero.
        byte* sockaddr = stackalloc byte[16];
        var span = new Span<byte>(sockaddr, 16);
        span.Clear();
        span[0] = AF_INET;
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], port);
        address[..4].CopyTo(span[4..]);
        nint sent;
        fixed (byte* p = data) sent = Libc.sendto(fd, p, (nuint)data.Length, 0, sockaddr, 16);
        return sent >= 0 ? (int)sent : Fail(LastError);
    }
}
