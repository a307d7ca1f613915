using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

[assembly: DisableRuntimeMarshalling]

namespace Init.Interop;

/// <summary>
/// Raw libc entry points that Tmds.LibC does not bind. C names, blittable arguments;
/// callers go through <see cref="Sys"/>, which adds EINTR retries and errno capture.
/// </summary>
public static unsafe partial class Libc
{
    private const string Lib = "libc";

    [LibraryImport(Lib, SetLastError = true)] public static partial int waitpid(int pid, int* status, int options);
    [LibraryImport(Lib, SetLastError = true)] public static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
    [LibraryImport(Lib, SetLastError = true)] public static partial int reboot(int cmd);
    [LibraryImport(Lib, SetLastError = true)] public static partial int flock(int fd, int operation);
    [LibraryImport(Lib, SetLastError = true)] public static partial int rename(byte* oldpath, byte* newpath);
    [LibraryImport(Lib, SetLastError = true)] public static partial long syscall(long number, long arg1, long arg2);
    [LibraryImport(Lib, SetLastError = true)] public static partial int clock_gettime(int clockid, Timespec* tp);
    [LibraryImport(Lib, SetLastError = true)] public static partial int getrlimit(int resource, Rlimit* rlim);
    [LibraryImport(Lib, SetLastError = true)] public static partial int setrlimit(int resource, Rlimit* rlim);
    [LibraryImport(Lib, SetLastError = true)] public static partial int inotify_init1(int flags);
    [LibraryImport(Lib, SetLastError = true)] public static partial int inotify_add_watch(int fd, byte* path, uint mask);
    [LibraryImport(Lib, SetLastError = true)] public static partial int sigprocmask(int how, byte* set, byte* oldset);
    [LibraryImport(Lib, SetLastError = true)] public static partial int sigemptyset(byte* set);
    [LibraryImport(Lib)] public static partial byte* strerror(int errnum);
    [LibraryImport(Lib)] public static partial nint dlsym(nint handle, byte* symbol);

    // posix_spawn family (glibc): the only way children are started.
    [LibraryImport(Lib)] public static partial int posix_spawn(int* pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);
    [LibraryImport(Lib)] public static partial int posix_spawnp(int* pid, byte* file, void* fileActions, void* attr, byte** argv, byte** envp);
    [LibraryImport(Lib)] public static partial int posix_spawn_file_actions_init(void* fa);
    [LibraryImport(Lib)] public static partial int posix_spawn_file_actions_destroy(void* fa);
    [LibraryImport(Lib)] public static partial int posix_spawn_file_actions_adddup2(void* fa, int fd, int newfd);
    [LibraryImport(Lib)] public static partial int posix_spawn_file_actions_addclose(void* fa, int fd);
    [LibraryImport(Lib)] public static partial int posix_spawn_file_actions_addopen(void* fa, int fd, byte* path, int oflag, uint mode);
    [LibraryImport(Lib)] public static partial int posix_spawn_file_actions_addchdir_np(void* fa, byte* path);
    [LibraryImport(Lib)] public static partial int posix_spawn_file_actions_addclosefrom_np(void* fa, int from);
    [LibraryImport(Lib)] public static partial int posix_spawnattr_init(void* attr);
    [LibraryImport(Lib)] public static partial int posix_spawnattr_destroy(void* attr);
    [LibraryImport(Lib)] public static partial int posix_spawnattr_setflags(void* attr, short flags);
    [LibraryImport(Lib)] public static partial int posix_spawnattr_setsigmask(void* attr, byte* sigmask);
    [LibraryImport(Lib)] public static partial int posix_spawnattr_setsigdefault(void* attr, byte* sigdefault);
    [LibraryImport(Lib)] public static partial int posix_spawnattr_setpgroup(void* attr, int pgroup);
}

[StructLayout(LayoutKind.Sequential)]
public struct Timespec
{
    public long Seconds;
    public long Nanoseconds;
}

[StructLayout(LayoutKind.Sequential)]
public struct Rlimit
{
    public ulong Current;
    public ulong Maximum;
}

/// <summary>Constants of the Linux x86-64 ABI used across Init.</summary>
public static class Consts
{
    public const int WNOHANG = 1;
    public const int ECHILD = 10, EINTR = 4, EAGAIN = 11, ENOENT = 2, EEXIST = 17, ENXIO = 6, EACCES = 13, ENOSYS = 38, ESRCH = 3, EINVAL = 22, ENOTDIR = 20, EPERM = 1, ENOSPC = 28, EMFILE = 24, ENFILE = 23;
    public const int RLIMIT_NOFILE = 7;

    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_EXCL = 0x80, O_NOCTTY = 0x100, O_TRUNC = 0x200, O_APPEND = 0x400, O_NONBLOCK = 0x800, O_DIRECTORY = 0x10000, O_CLOEXEC = 0x80000;

    public const int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;

    public const int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7, SIGFPE = 8, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12,
        SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15, SIGSTKFLT = 16, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22, SIGURG = 23,
        SIGXCPU = 24, SIGXFSZ = 25, SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28, SIGIO = 29, SIGPWR = 30, SIGSYS = 31;

    public const int SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;

    public const short POSIX_SPAWN_SETPGROUP = 0x02, POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08, POSIX_SPAWN_SETSID = 0x80;

    public const int PR_SET_PDEATHSIG = 1, PR_SET_NAME = 15, PR_SET_CHILD_SUBREAPER = 36, PR_GET_CHILD_SUBREAPER = 37;

    public const int RB_AUTOBOOT = 0x01234567, RB_HALT_SYSTEM = unchecked((int)0xcdef0123), RB_POWER_OFF = 0x4321fedc, RB_DISABLE_CAD = 0, RB_ENABLE_CAD = unchecked((int)0x89abcdef);

    public const int CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1;

    public const long SYS_pidfd_open = 434;

    public const int IN_CLOEXEC = 0x80000, IN_NONBLOCK = 0x800;
    public const uint IN_ATTRIB = 0x4, IN_MOVED_FROM = 0x40, IN_MOVED_TO = 0x80, IN_CREATE = 0x100, IN_DELETE = 0x200, IN_DELETE_SELF = 0x400, IN_MOVE_SELF = 0x800, IN_ISDIR = 0x40000000;

    /// <summary>sizeof(sigset_t) in glibc; posix_spawn attribute blobs are smaller than these buffers.</summary>
    public const int SigsetSize = 128, SpawnAttrSize = 512, FileActionsSize = 256;
}
