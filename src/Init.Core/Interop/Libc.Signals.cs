using System.Runtime.InteropServices;

namespace Init.Interop;

// Signal dispositions and masks (delivery goes through PosixSignalRegistration, or a signalfd once every thread blocks them).
internal static unsafe partial class Libc
{
    [LibraryImport(Lib, SetLastError = true)] public static partial nint signal(int signo, nint handler);
    [LibraryImport(Lib, SetLastError = true)] public static partial int sigprocmask(int how, byte* set, byte* oldset);
    [LibraryImport(Lib, SetLastError = true)] public static partial int sigemptyset(byte* set);
    [LibraryImport(Lib)] public static partial byte* strsignal(int signo);
    [LibraryImport(Lib, SetLastError = true)] public static partial int signalfd(int fd, byte* mask, int flags);
}
