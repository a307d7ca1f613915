using System.Runtime.InteropServices;
using static Init.Interop.Consts;

namespace Init.Interop;

/// <summary>Wrappers over <c>Libc.SvRunsvdir.cs</c>: errors come back as -1 with <see cref="Errno"/>, as in <see cref="Sys"/>.</summary>
public static unsafe class SysSv
{
    [ThreadStatic] private static int _errno;

    public static int Errno => _errno;

    public static int Fchdir(int fd)
    {
        if (Libc.fchdir(fd) == 0) return 0;
        _errno = Marshal.GetLastPInvokeError();
        return -1;
    }

    /// <summary>Sleeps the whole <paramref name="milliseconds"/>, resuming after signals (a client's wait, never an event loop's).</summary>
    public static void SleepMs(long milliseconds)
    {
        Timespec request = new() { Seconds = milliseconds / 1000, Nanoseconds = milliseconds % 1000 * 1_000_000 };
        Timespec remaining;
        while (Libc.nanosleep(&request, &remaining) != 0 && Marshal.GetLastPInvokeError() == EINTR) request = remaining;
    }
}
