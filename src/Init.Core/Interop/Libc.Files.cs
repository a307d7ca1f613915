using System.Runtime.InteropServices;

namespace Init.Interop;

// Files and directories beyond Tmds.LibC's: locks, rename, links, truncation, directory changes by descriptor, the *at calls it lacks.
internal static unsafe partial class Libc
{
    [LibraryImport(Lib, SetLastError = true)] public static partial int flock(int fd, int operation);
    [LibraryImport(Lib, SetLastError = true)] public static partial int rename(byte* oldpath, byte* newpath);
    [LibraryImport(Lib, SetLastError = true)] public static partial int symlink(byte* target, byte* linkpath);
    [LibraryImport(Lib, SetLastError = true)] public static partial int ftruncate(int fd, long length);
    /// <summary>fcntl(2) with a <c>struct flock*</c> argument (F_SETLKW): a pointer goes in the same register as an int would.</summary>
    [LibraryImport(Lib, EntryPoint = "fcntl", SetLastError = true)] public static partial int fcntl_lock(int fd, int cmd, FileLock* region);
    [LibraryImport(Lib, SetLastError = true)] public static partial int fchdir(int fd);
    [LibraryImport(Lib, SetLastError = true)] public static partial int renameat(int olddirfd, byte* oldpath, int newdirfd, byte* newpath);
    [LibraryImport(Lib, SetLastError = true)] public static partial int renameat2(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, uint flags);
    [LibraryImport(Lib, SetLastError = true)] public static partial int fstatat(int dirfd, byte* path, Tmds.Linux.stat* buf, int flags);
    [LibraryImport(Lib, SetLastError = true)] public static partial nint getdents64(int fd, byte* buffer, nuint count);
    /// <summary>realpath(3) into the caller's PATH_MAX buffer: walks the path with lstat and readlink, so it needs no /proc.</summary>
    [LibraryImport(Lib, SetLastError = true)] public static partial byte* realpath(byte* path, byte* resolved);
    [LibraryImport(Lib, SetLastError = true)] public static partial int poll(void* fds, nuint nfds, int timeout);
}

/// <summary>struct flock on x86_64/aarch64 Linux (32 bytes): l_type, l_whence, l_start, l_len, l_pid.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FileLock
{
    public short Type;
    public short Whence;
    public long Start;
    public long Length;
    public int Pid;
}
