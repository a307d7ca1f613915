using System.Runtime.InteropServices;

namespace Init.Interop;

// Clocks and sleeping.
internal static unsafe partial class Libc
{
    [LibraryImport(Lib, SetLastError = true)] public static partial int clock_gettime(int clockid, Timespec* tp);
    [LibraryImport(Lib, SetLastError = true)] public static partial int nanosleep(Timespec* request, Timespec* remaining);
}
