using System.Runtime.InteropServices;

namespace Init.Interop;

// Datagram sockets: svlogd's UDP copies of log lines.
internal static unsafe partial class Libc
{
    [LibraryImport(Lib, SetLastError = true)] public static partial int socket(int domain, int type, int protocol);
    [LibraryImport(Lib, SetLastError = true)] public static partial nint sendto(int fd, byte* buf, nuint len, int flags, byte* addr, uint addrlen);
}
