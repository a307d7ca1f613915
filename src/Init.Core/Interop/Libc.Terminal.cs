using System.Runtime.InteropServices;

namespace Init.Interop;

// Terminals: is fd a tty, its foreground process group, giving up a controlling terminal.
internal static unsafe partial class Libc
{
    [LibraryImport(Lib, SetLastError = true)] public static partial int isatty(int fd);
    [LibraryImport(Lib, SetLastError = true)] public static partial int tcgetpgrp(int fd);
    [LibraryImport(Lib, SetLastError = true)] public static partial int ioctl(int fd, nuint request, nint argument);
    [LibraryImport(Lib, SetLastError = true)] public static partial int getsid(int pid);
}
