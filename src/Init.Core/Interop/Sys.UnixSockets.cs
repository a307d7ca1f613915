using System.Runtime.InteropServices;
using System.Text;
using static Init.Interop.Consts;

namespace Init.Interop;

// Unix datagram sockets in the abstract namespace, whose senders the kernel names (SCM_CREDENTIALS).
public static unsafe partial class Sys
{
    private const int AF_UNIX = 1, SOL_SOCKET = 1, SO_PASSCRED = 16, SCM_CREDENTIALS = 2, MSG_TRUNC = 0x20;

    /// <summary>
    /// A non-blocking, close-on-exec datagram socket bound to the abstract name <paramref name="name"/>
    /// (no file: reachable whatever user a service runs as), passing each sender's pid; or -1.
    /// </summary>
    public static int AbstractDatagramSocket(string name)
    {
        byte[] path = Encoding.UTF8.GetBytes(name);
        if (path.Length > 106) return Fail(ENAMETOOLONG);
        int fd = Libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | O_CLOEXEC, 0);
        if (fd < 0) return Fail(LastError);
        int on = 1;
        // struct sockaddr_un: family, then the path; a leading NUL puts it in the abstract namespace.
        byte* address = stackalloc byte[110];
        new Span<byte>(address, 110).Clear();
        address[0] = AF_UNIX;
        path.CopyTo(new Span<byte>(address + 3, path.Length));
        if (Libc.setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(int)) < 0 || Libc.bind(fd, address, (uint)(3 + path.Length)) < 0)
        {
            int e = LastError;
            Close(fd);
            return Fail(e);
        }
        return fd;
    }

    /// <summary>
    /// struct sockaddr_un for <paramref name="path"/>: a file, or with a leading '@' a name in the
    /// abstract namespace (no file; the length given to bind ends the name). Null when it is too long (107 bytes).
    /// </summary>
    public static byte[]? UnixAddress(string path)
    {
        byte[] name = Encoding.UTF8.GetBytes(path);
        bool isAbstract = name.Length > 0 && name[0] == (byte)'@';
        if (name.Length > 107 || name.Length == 0) return null;
        // family (2 bytes), then the path: NUL-terminated for a file, NUL-led and not terminated when abstract.
        var sockaddr = new byte[2 + name.Length + (isAbstract ? 0 : 1)];
        sockaddr[0] = AF_UNIX;
        name.CopyTo(sockaddr, 2);
        if (isAbstract) sockaddr[2] = 0;
        return sockaddr;
    }

    /// <summary>
    /// One datagram into <paramref name="buffer"/> with the pid the kernel gives for its sender (0 when
    /// none came): its length, or -1 (EAGAIN when none is waiting). A datagram longer than the buffer
    /// is reported as <paramref name="truncated"/>.
    /// </summary>
    public static int ReceiveFrom(int fd, Span<byte> buffer, out int senderPid, out bool truncated)
    {
        senderPid = 0;
        truncated = false;
        // struct iovec, struct msghdr (x86-64 layout), and room for one cmsg of struct ucred.
        long* iov = stackalloc long[2];
        long* msg = stackalloc long[7];
        long* control = stackalloc long[4];
        new Span<long>(msg, 7).Clear();
        new Span<long>(control, 4).Clear();
        nint n;
        fixed (byte* data = buffer)
        {
            iov[0] = (long)data;
            iov[1] = buffer.Length;
            msg[2] = (long)iov;
            msg[3] = 1;
            msg[4] = (long)control;
            msg[5] = 32;
            do n = Libc.recvmsg(fd, msg, 0);
            while (Interrupted(n, LastError));
        }
        if (n < 0) return -1;
        truncated = (((int*)msg)[12] & MSG_TRUNC) != 0;
        // struct cmsghdr: size_t len, int level, int type; then struct ucred: pid, uid, gid.
        if (msg[5] >= 28 && control[0] >= 28 && ((int*)control)[2] == SOL_SOCKET && ((int*)control)[3] == SCM_CREDENTIALS)
            senderPid = ((int*)control)[4];
        return (int)n;
    }
}
