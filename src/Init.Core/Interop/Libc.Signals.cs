using System.Runtime.InteropServices;

namespace Init.Interop;

// Signal dispositions and masks (delivery itself goes through PosixSignalRegistration).
internal static unsafe partial class Libc
{
    [LibraryImport(Lib, SetLastError = true)] public static partial nint signal(int signo, nint handler);
    [LibraryImport(Lib, SetLastError = true)] public static partial int sigprocmask(int how, byte* set, byte* oldset);
    [LibraryImport(Lib, SetLastError = true)] public static partial int sigemptyset(byte* set);
    [LibraryImport(Lib)] public static partial byte* strsignal(int signo);
}
