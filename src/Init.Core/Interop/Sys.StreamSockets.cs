using static Init.Interop.Consts;

namespace Init.Interop;

// Unix stream sockets between Init's own processes: a listening socket's connections and their peers.
public static unsafe partial class Sys
{
    private const int SO_PEERCRED = 17, SO_SNDBUF = 7;

    /// <summary>The next pending connection, non-blocking and close-on-exec; -1 (EAGAIN when none waits).</summary>
    public static int Accept(int listener)
    {
        int fd;
        do fd = Libc.accept4(listener, null, null, SOCK_NONBLOCK | O_CLOEXEC);
        while (fd < 0 && Interrupted(-1, LastError));
        return fd < 0 ? Fail(LastError) : fd;
    }

    /// <summary>The uid of the process at the other end of a unix socket (SO_PEERCRED), or -1.</summary>
    public static long PeerUid(int fd)
    {
        int* credentials = stackalloc int[3];   // struct ucred: pid, uid, gid
        uint length = 12;
        return Libc.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, credentials, &length) < 0 ? Fail(LastError) : (uint)credentials[1];
    }

    /// <summary>Asks for a send buffer of <paramref name="bytes"/> (the kernel may double or cap it).</summary>
    public static int SetSendBuffer(int fd, int bytes) => Libc.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(int)) < 0 ? Fail(LastError) : 0;

    /// <summary>A blocking, close-on-exec stream socket connected to the unix socket at <paramref name="path"/>; -1 (ENOENT, ECONNREFUSED, …).</summary>
    public static int ConnectUnix(string path)
    {
        if (UnixAddress(path) is not { } address) return Fail(ENAMETOOLONG);
        int fd = Libc.socket(AF_UNIX, SOCK_STREAM | O_CLOEXEC, 0);
        if (fd < 0) return Fail(LastError);
        int rc;
        fixed (byte* a = address)
            do rc = Libc.connect(fd, a, (uint)address.Length);
            while (rc < 0 && Interrupted(-1, LastError));
        if (rc == 0) return fd;
        int e = LastError;
        Close(fd);
        return Fail(e);
    }
}
