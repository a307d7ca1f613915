using System.Runtime.InteropServices;

namespace Init.Interop;

// Process-state calls used by chpst: credentials, root, nice, environment and exec.
public static unsafe partial class Libc
{
    [LibraryImport(Lib, SetLastError = true)] public static partial int execvp(byte* file, byte** argv);
    [LibraryImport(Lib, SetLastError = true)] public static partial int setgroups(nuint size, uint* list);
    [LibraryImport(Lib, SetLastError = true)] public static partial int setgid(uint gid);
    [LibraryImport(Lib, SetLastError = true)] public static partial int setuid(uint uid);
    [LibraryImport(Lib, SetLastError = true)] public static partial int chroot(byte* path);
    [LibraryImport(Lib, SetLastError = true)] public static partial int nice(int inc);
    [LibraryImport(Lib, SetLastError = true)] public static partial int setenv(byte* name, byte* value, int overwrite);
    [LibraryImport(Lib, SetLastError = true)] public static partial int unsetenv(byte* name);
    [LibraryImport(Lib, SetLastError = true)] public static partial nint signal(int signo, nint handler);
}
