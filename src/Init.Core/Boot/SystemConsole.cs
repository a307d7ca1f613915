using Init.Interop;
using static Init.Interop.Consts;

namespace Init.Boot;

/// <summary>/dev/console as PID 1's fds 0, 1 and 2, only when the kernel booted us.</summary>
public static class SystemConsole
{
    /// <summary>
    /// PID 1 of the initial PID namespace (its /proc/self/ns/pid inode is fixed, PROC_PID_INIT_INO),
    /// not of a namespace made by unshare or a container runtime, whose /dev/console is not ours.
    /// Without /proc there is no telling, and a kernel boot is the likely case.
    /// </summary>
    public static bool BootedByKernel() => Sys.Readlink("/proc/self/ns/pid") is not { } ns || ns == "pid:[4026531836]";

    /// <summary>Reopens /dev/console as 0, 1 and 2 (after stage 1 mounted /dev); keeps what the kernel gave when it cannot.</summary>
    public static void Reopen(InitContext ctx)
    {
        if (!ctx.Options.Console || !BootedByKernel()) return;
        int fd = Sys.Open("/dev/console", O_RDWR | O_NOCTTY);
        if (fd < 0) return;
        for (int i = 0; i <= 2; i++) Sys.Dup2(fd, i);
        if (fd > 2) Sys.Close(fd);
    }
}
