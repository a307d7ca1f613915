namespace Init.Container;

/// <summary>tini's signal-name table for <c>-p</c>: exact spellings only ("SIGKILL", not "KILL" or "9").</summary>
public static class SignalNames
{
    private static readonly string[] Names =
    [
        "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
        "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", null!, "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
        "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", null!, null!, "SIGSYS",
    ];

    /// <summary>The signal number for a name in tini's table, or 0 (SIGSTKFLT, SIGIO and SIGPWR are not in it).</summary>
    public static int Parse(string name)
    {
        for (int i = 0; i < Names.Length; i++)
            if (Names[i] == name) return i + 1;
        return 0;
    }
}
