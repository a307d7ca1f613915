using System.Runtime.InteropServices;

namespace Init.Interop;

// Terminals: is fd a tty, and its foreground process group.
internal static unsafe partial class Libc
{
    [LibraryImport(Lib, SetLastError = true)] public static partial int isatty(int fd);
    [LibraryImport(Lib, SetLastError = true)] public static partial int tcgetpgrp(int fd);
}
