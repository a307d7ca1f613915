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
}
