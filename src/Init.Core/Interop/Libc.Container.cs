using System.Runtime.InteropServices;

namespace Init.Interop;

/// <summary>libc entry points used by the container entrypoint (tini / dumb-init mode).</summary>
public static unsafe partial class Libc
{
    [LibraryImport(Lib, SetLastError = true)] public static partial int isatty(int fd);
    [LibraryImport(Lib, SetLastError = true)] public static partial int getpgrp();
    [LibraryImport(Lib)] public static partial byte* strsignal(int signo);
    /// <summary>glibc ≥ 2.35: make the child's new process group the terminal's foreground group (tini's tcsetpgrp).</summary>
    [LibraryImport(Lib)] public static partial int posix_spawn_file_actions_addtcsetpgrp_np(void* fa, int tcfd);
}

/// <summary>Wrappers for <see cref="Libc"/>'s container entry points.</summary>
public static unsafe class ContainerSys
{
    public static bool IsTerminal(int fd) => Libc.isatty(fd) == 1;

    /// <summary>glibc's strerror text ("No such file or directory"): tini and dumb-init print these, not runit's.</summary>
    public static string StrError(int errno) => Marshal.PtrToStringUTF8((nint)Libc.strerror(errno)) ?? $"errno {errno}";

    /// <summary>glibc's strsignal text ("Terminated"), as tini's INFO messages show it.</summary>
    public static string StrSignal(int signo) => Marshal.PtrToStringUTF8((nint)Libc.strsignal(signo)) ?? $"signal {signo}";

    /// <summary>PR_GET_CHILD_SUBREAPER: whether orphans of our descendants are re-parented to us.</summary>
    public static bool IsSubreaper()
    {
        int bit = 0;
        return Libc.prctl(Consts.PR_GET_CHILD_SUBREAPER, (nuint)(&bit), 0, 0, 0) == 0 && bit != 0;
    }
}

public static unsafe partial class Libc
{
    [LibraryImport(Lib, SetLastError = true)] public static partial int tcgetpgrp(int fd);
}
