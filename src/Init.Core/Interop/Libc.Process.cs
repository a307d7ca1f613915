using System.Runtime.InteropServices;

namespace Init.Interop;

// Processes: reaping, pidfds, prctl, our own state (credentials, root, nice, limits, environment, exec) and errno texts.
internal static unsafe partial class Libc
{
    [LibraryImport(Lib, SetLastError = true)] public static partial int waitpid(int pid, int* status, int options);
    [LibraryImport(Lib, SetLastError = true)] public static partial long syscall(long number, long arg1, long arg2);
    [LibraryImport(Lib, SetLastError = true)] public static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
    [LibraryImport(Lib, SetLastError = true)] public static partial int execvp(byte* file, byte** argv);
    [LibraryImport(Lib, SetLastError = true)] public static partial int execv(byte* path, byte** argv);
    [LibraryImport(Lib, SetLastError = true)] public static partial int setgroups(nuint size, uint* list);
    [LibraryImport(Lib, SetLastError = true)] public static partial int setgid(uint gid);
    [LibraryImport(Lib, SetLastError = true)] public static partial int setuid(uint uid);
    [LibraryImport(Lib, SetLastError = true)] public static partial int chroot(byte* path);
    [LibraryImport(Lib, SetLastError = true)] public static partial int nice(int inc);
    [LibraryImport(Lib, SetLastError = true)] public static partial int getrlimit(int resource, Rlimit* rlim);
    [LibraryImport(Lib, SetLastError = true)] public static partial int setrlimit(int resource, Rlimit* rlim);
    [LibraryImport(Lib, SetLastError = true)] public static partial int setenv(byte* name, byte* value, int overwrite);
    [LibraryImport(Lib, SetLastError = true)] public static partial int unsetenv(byte* name);
    [LibraryImport(Lib, SetLastError = true)] public static partial int putenv(byte* entry);
    [LibraryImport(Lib)] public static partial byte* strerror(int errnum);
}
