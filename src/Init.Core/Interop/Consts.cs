using System.Runtime.InteropServices;

namespace Init.Interop;

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
    public const int EPERM = 1, EROFS = 30, EBUSY = 16, ECHILD = 10, EINTR = 4, EAGAIN = 11, ENOENT = 2, EEXIST = 17, ENXIO = 6, EACCES = 13, ENOSYS = 38, ESRCH = 3, EINVAL = 22, ENOTDIR = 20, ENOSPC = 28, EMFILE = 24, ENFILE = 23, ENOMEM = 12, ELOOP = 40, ENAMETOOLONG = 36;
    public const int RLIMIT_NOFILE = 7;

    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_NOCTTY = 0x100, O_TRUNC = 0x200, O_APPEND = 0x400, O_NONBLOCK = 0x800, O_DIRECTORY = 0x10000, O_CLOEXEC = 0x80000,
        O_EXCL = 0x80, O_NOFOLLOW = 0x20000, O_PATH = 0x200000;
    public const int AT_SYMLINK_NOFOLLOW = 0x100, AT_EMPTY_PATH = 0x1000;

    public const int LOCK_EX = 2, LOCK_NB = 4;

    public const int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7, SIGFPE = 8, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12,
        SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15, SIGSTKFLT = 16, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22, SIGURG = 23,
        SIGXCPU = 24, SIGXFSZ = 25, SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28, SIGIO = 29, SIGPWR = 30, SIGSYS = 31;

    public const int SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;

    public const short POSIX_SPAWN_SETPGROUP = 0x02, POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08, POSIX_SPAWN_SETSID = 0x80;

    public const int PR_SET_PDEATHSIG = 1, PR_SET_CHILD_SUBREAPER = 36, PR_GET_CHILD_SUBREAPER = 37;

    public const int RB_AUTOBOOT = 0x01234567, RB_HALT_SYSTEM = unchecked((int)0xcdef0123), RB_POWER_OFF = 0x4321fedc, RB_DISABLE_CAD = 0;

    public const uint MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_REMOUNT = 32, MS_RELATIME = 1 << 21;

    public const int CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1;

    public const long SYS_pidfd_open = 434;

    public const int IN_CLOEXEC = 0x80000, IN_NONBLOCK = 0x800;
    public const uint IN_ATTRIB = 0x4, IN_MOVED_FROM = 0x40, IN_MOVED_TO = 0x80, IN_CREATE = 0x100, IN_DELETE = 0x200, IN_DELETE_SELF = 0x400, IN_MOVE_SELF = 0x800, IN_ISDIR = 0x40000000;

    /// <summary>sizeof(sigset_t) in glibc; posix_spawn attribute blobs are smaller than these buffers.</summary>
    public const int SigsetSize = 128, SpawnAttrSize = 512, FileActionsSize = 256;
}
