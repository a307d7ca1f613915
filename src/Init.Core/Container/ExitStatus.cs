namespace Init.Container;

/// <summary>Wait statuses as a container's exit code: the child's code, or 128+N when killed by signal N.</summary>
public static class ExitStatus
{
    public static bool Exited(int status) => (status & 0x7f) == 0;
    public static int ExitCode(int status) => (status >> 8) & 0xff;
    public static bool Signaled(int status) => (status & 0x7f) != 0 && (status & 0x7f) != 0x7f;
    public static int TermSignal(int status) => status & 0x7f;

    /// <summary>tini's and dumb-init's mapping (tini takes it modulo 256, which 128+N never reaches).</summary>
    public static int ToExitCode(int status) => Signaled(status) ? 128 + TermSignal(status) : ExitCode(status);
}
