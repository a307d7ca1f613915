namespace Init.Interop;

// Terminals.
public static unsafe partial class Sys
{
    public static bool IsTerminal(int fd) => Libc.isatty(fd) == 1;

    /// <summary>tcgetpgrp(3): the foreground process group of the terminal on <paramref name="fd"/>, or -1.</summary>
    public static int TcGetPgrp(int fd)
    {
        int pgrp = Libc.tcgetpgrp(fd);
        return pgrp >= 0 ? pgrp : Fail(LastError);
    }

    private const nuint TIOCNOTTY = 0x5422;

    /// <summary>ioctl TIOCNOTTY: gives up the controlling terminal on <paramref name="fd"/> (a session leader's session loses it, with SIGHUP and SIGCONT to its foreground group).</summary>
    public static int DetachTerminal(int fd) => Result(Libc.ioctl(fd, TIOCNOTTY, 0));

    /// <summary>getsid(0): our session's id (our pid when we lead it).</summary>
    public static int GetSid() => Libc.getsid(0);
}
