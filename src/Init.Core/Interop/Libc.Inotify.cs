using System.Runtime.InteropServices;

namespace Init.Interop;

// inotify: runsvdir's wake-up when its service directory changes.
internal static unsafe partial class Libc
{
    [LibraryImport(Lib, SetLastError = true)] public static partial int inotify_init1(int flags);
    [LibraryImport(Lib, SetLastError = true)] public static partial int inotify_add_watch(int fd, byte* path, uint mask);
    [LibraryImport(Lib, SetLastError = true)] public static partial int inotify_rm_watch(int fd, int wd);
}
