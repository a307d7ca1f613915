using System.Runtime.InteropServices;

namespace Init.Interop;

// Files and directories beyond Tmds.LibC's: locks, rename, directory changes by descriptor, the *at calls it lacks.
internal static unsafe partial class Libc
{
    [LibraryImport(Lib, SetLastError = true)] public static partial int flock(int fd, int operation);
    [LibraryImport(Lib, SetLastError = true)] public static partial int rename(byte* oldpath, byte* newpath);
    [LibraryImport(Lib, SetLastError = true)] public static partial int fchdir(int fd);
    [LibraryImport(Lib, SetLastError = true)] public static partial int renameat(int olddirfd, byte* oldpath, int newdirfd, byte* newpath);
    [LibraryImport(Lib, SetLastError = true)] public static partial int fstatat(int dirfd, byte* path, Tmds.Linux.stat* buf, int flags);
    /// <summary>realpath(3) into the caller's PATH_MAX buffer: walks the path with lstat and readlink, so it needs no /proc.</summary>
    [LibraryImport(Lib, SetLastError = true)] public static partial byte* realpath(byte* path, byte* resolved);
    [LibraryImport(Lib, SetLastError = true)] public static partial int poll(void* fds, nuint nfds, int timeout);
}
