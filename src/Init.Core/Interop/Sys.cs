using System.Runtime.InteropServices;
using static Init.Interop.Consts;
using T = Tmds.Linux.LibC;

namespace Init.Interop;

/// <summary>
/// Thin, safe wrappers over the system calls Init uses, one file per syscall family like
/// <see cref="Libc"/>: string paths become NUL-terminated UTF-8 on the stack, EINTR is retried
/// in one place, errors come back as -1 (or, for the posix_spawn family, the error number) with
/// <see cref="Errno"/> set. Hot paths never throw.
/// </summary>
public static unsafe partial class Sys
{
    [ThreadStatic] private static int _errno;

    /// <summary>errno of the last failed call made through this class on this thread: the only errno store.</summary>
    public static int Errno => _errno;

    private static int Fail(int errno) { _errno = errno; return -1; }
    private static int TmdsErrno => T.errno;
    private static int LastError => Marshal.GetLastPInvokeError();

    /// <summary>
    /// The one EINTR rule, for <c>do r = call(); while (Interrupted(r, errno));</c>: after a failed
    /// call (r &lt; 0) true when a signal only interrupted it and it must be made again; any other
    /// failure is kept in <see cref="Errno"/> and the call's -1 stands. (errno is read on success too:
    /// a thread-local load, cheaper than a second branch at every call site.)
    /// </summary>
    private static bool Interrupted(long r, int errno)
    {
        if (r >= 0) return false;
        _errno = errno;
        return errno == EINTR;
    }

    /// <summary>0 for 0, else -1 with <see cref="Errno"/> from the LibraryImport's SetLastError.</summary>
    private static int Result(int r) => r == 0 ? 0 : Fail(LastError);

    /// <summary>glibc's strerror text ("No such file or directory"): tini and dumb-init print these, not runit's.</summary>
    public static string StrError(int errno) => Marshal.PtrToStringUTF8((nint)Libc.strerror(errno)) ?? $"errno {errno}";
}
