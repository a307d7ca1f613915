using System.Runtime.InteropServices;

namespace Init.Interop;

// Datagram sockets: svlogd's UDP copies of log lines.
internal static unsafe partial class Libc
{
    [LibraryImport(Lib, SetLastError = true)] public static partial int socket(int domain, int type, int protocol);
    [LibraryImport(Lib, SetLastError = true)] public static partial nint sendto(int fd, byte* buf, nuint len, int flags, byte* addr, uint addrlen);
}

// Unix datagram sockets with the sender's credentials: the sd_notify protocol's NOTIFY_SOCKET.
internal static unsafe partial class Libc
{
    [LibraryImport(Lib, SetLastError = true)] public static partial int bind(int fd, byte* addr, uint addrlen);
    [LibraryImport(Lib, SetLastError = true)] public static partial int setsockopt(int fd, int level, int name, void* value, uint length);
    [LibraryImport(Lib, SetLastError = true)] public static partial nint recvmsg(int fd, void* msghdr, int flags);
}

// Unix stream sockets: the engine's default logger answering `sv log`.
internal static unsafe partial class Libc
{
    [LibraryImport(Lib, SetLastError = true)] public static partial int accept4(int fd, byte* addr, uint* addrlen, int flags);
    [LibraryImport(Lib, SetLastError = true)] public static partial int connect(int fd, byte* addr, uint addrlen);
    [LibraryImport(Lib, SetLastError = true)] public static partial int getsockopt(int fd, int level, int name, void* value, uint* length);
}
