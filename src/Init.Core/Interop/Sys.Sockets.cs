using System.Buffers.Binary;
using static Init.Interop.Consts;
using T = Tmds.Linux.LibC;

namespace Init.Interop;

// Datagram sockets (svlogd's UDP copies of log lines) and the listen sockets a supervisor holds for its service.
public static unsafe partial class Sys
{
    private const int AF_INET = 2, AF_INET6 = 10, SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_NONBLOCK = 0x800, SO_REUSEADDR = 2;
    /// <summary>The kernel caps a listen backlog at net.core.somaxconn; asking for this much takes whatever that allows (systemd's default).</summary>
    public const int SOMAXCONN = 4096;

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

    /// <summary>struct sockaddr_in for <paramref name="address"/> (4 bytes) and <paramref name="port"/>.</summary>
    public static byte[] Inet4Address(ReadOnlySpan<byte> address, ushort port)
    {
        var sockaddr = new byte[16];
        sockaddr[0] = AF_INET;
        BinaryPrimitives.WriteUInt16BigEndian(sockaddr.AsSpan(2), port);
        address[..4].CopyTo(sockaddr.AsSpan(4));
        return sockaddr;
    }

    /// <summary>struct sockaddr_in6 for <paramref name="address"/> (16 bytes) and <paramref name="port"/>: no flow label, no scope.</summary>
    public static byte[] Inet6Address(ReadOnlySpan<byte> address, ushort port)
    {
        var sockaddr = new byte[28];
        sockaddr[0] = AF_INET6;
        BinaryPrimitives.WriteUInt16BigEndian(sockaddr.AsSpan(2), port);
        address[..16].CopyTo(sockaddr.AsSpan(8));
        return sockaddr;
    }

    /// <summary>
    /// A socket bound to <paramref name="sockaddr"/> (from <see cref="Inet4Address"/>, <see cref="Inet6Address"/>
    /// or <see cref="UnixAddress"/>), close-on-exec and blocking (what a service expects of a passed socket),
    /// listening when <paramref name="stream"/>; TCP ones with SO_REUSEADDR, so a port whose last
    /// connections linger in TIME_WAIT binds again at once. Its fd, or -1 (EADDRINUSE, EACCES, …).
    /// A unix socket's file is made 0666, as systemd's SocketMode: the directory it is in decides who reaches it.
    /// </summary>
    public static int ListenSocket(ReadOnlySpan<byte> sockaddr, bool stream, int backlog = SOMAXCONN)
    {
        int family = sockaddr[0];
        int fd = Libc.socket(family, (stream ? SOCK_STREAM : SOCK_DGRAM) | O_CLOEXEC, 0);
        if (fd < 0) return Fail(LastError);
        int on = 1;
        if (stream && family != AF_UNIX && Libc.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(int)) < 0) return CloseFailed(fd, LastError);
        int rc;
        fixed (byte* address = sockaddr)
        {
            // The umask applies to the socket file bind creates; umask is per process, and nothing else
            // in a supervisor creates files on another thread.
            Tmds.Linux.mode_t mask = family == AF_UNIX ? T.umask(0x49 /* 0111 */) : default;
            rc = Libc.bind(fd, address, (uint)sockaddr.Length);
            int e = LastError;
            if (family == AF_UNIX) T.umask(mask);
            if (rc < 0) return CloseFailed(fd, e);
        }
        if (stream && T.listen(fd, backlog) < 0) return CloseFailed(fd, TmdsErrno);
        return fd;
    }

    private static int CloseFailed(int fd, int errno)
    {
        Close(fd);
        return Fail(errno);
    }
}
