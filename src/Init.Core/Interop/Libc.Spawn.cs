using System.Runtime.InteropServices;

namespace Init.Interop;

// posix_spawn (glibc): the only way children are started. These return an error number, not -1 and errno.
internal static unsafe partial class Libc
{
    [LibraryImport(Lib)] public static partial int posix_spawn(int* pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);
    [LibraryImport(Lib)] public static partial int posix_spawnp(int* pid, byte* file, void* fileActions, void* attr, byte** argv, byte** envp);
    [LibraryImport(Lib)] public static partial int posix_spawn_file_actions_init(void* fa);
    [LibraryImport(Lib)] public static partial int posix_spawn_file_actions_destroy(void* fa);
    [LibraryImport(Lib)] public static partial int posix_spawn_file_actions_adddup2(void* fa, int fd, int newfd);
    [LibraryImport(Lib)] public static partial int posix_spawn_file_actions_addclose(void* fa, int fd);
    [LibraryImport(Lib)] public static partial int posix_spawn_file_actions_addopen(void* fa, int fd, byte* path, int oflag, uint mode);
    [LibraryImport(Lib)] public static partial int posix_spawn_file_actions_addchdir_np(void* fa, byte* path);
    [LibraryImport(Lib)] public static partial int posix_spawn_file_actions_addclosefrom_np(void* fa, int from);
    /// <summary>glibc ≥ 2.35: make the child's new process group the terminal's foreground group (tini's tcsetpgrp).</summary>
    [LibraryImport(Lib)] public static partial int posix_spawn_file_actions_addtcsetpgrp_np(void* fa, int tcfd);
    [LibraryImport(Lib)] public static partial int posix_spawnattr_init(void* attr);
    [LibraryImport(Lib)] public static partial int posix_spawnattr_destroy(void* attr);
    [LibraryImport(Lib)] public static partial int posix_spawnattr_setflags(void* attr, short flags);
    [LibraryImport(Lib)] public static partial int posix_spawnattr_setsigmask(void* attr, byte* sigmask);
    [LibraryImport(Lib)] public static partial int posix_spawnattr_setsigdefault(void* attr, byte* sigdefault);
    [LibraryImport(Lib)] public static partial int posix_spawnattr_setpgroup(void* attr, int pgroup);
    /// <summary>For the C library's <c>environ</c>, which children inherit unchanged.</summary>
    [LibraryImport(Lib)] public static partial nint dlsym(nint handle, byte* symbol);
}
