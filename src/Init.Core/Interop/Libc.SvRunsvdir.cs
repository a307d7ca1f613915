using System.Runtime.InteropServices;

namespace Init.Interop;

// Bindings sv and runsvdir need beyond the foundation's: directory changes relative to a saved
// descriptor (sv walks services by chdir as runit's sv does), a plain sleep for sv's 420 ms poll,
// and the rest of the inotify API.
public static unsafe partial class Libc
{
    [LibraryImport(Lib, SetLastError = true)] public static partial int fchdir(int fd);
    [LibraryImport(Lib, SetLastError = true)] public static partial int nanosleep(Timespec* request, Timespec* remaining);
    [LibraryImport(Lib, SetLastError = true)] public static partial int inotify_rm_watch(int fd, int wd);
}
