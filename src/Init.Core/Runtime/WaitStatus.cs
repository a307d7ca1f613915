namespace Init.Runtime;

/// <summary>What a waitpid status says: how the child ended, in the forms init's tools report it.</summary>
public static class WaitStatus
{
    public static bool Exited(int status) => (status & 0x7f) == 0;
    public static int ExitCode(int status) => (status >> 8) & 0xff;
    public static bool Signaled(int status) => (status & 0x7f) != 0 && (status & 0x7f) != 0x7f;
    public static int TermSignal(int status) => status & 0x7f;

    /// <summary>Exited, with code 0.</summary>
    public static bool Succeeded(int status) => Exited(status) && ExitCode(status) == 0;

    /// <summary>"exit 3", "signal 9": how a wait status reads on the console.</summary>
    public static string Describe(int status) => Exited(status) ? $"exit {ExitCode(status)}" : $"signal {TermSignal(status)}";

    /// <summary>tini's and dumb-init's mapping to an exit code: the child's code, or 128+N when killed by signal N (tini takes it modulo 256, which 128+N never reaches).</summary>
    public static int ToExitCode(int status) => Signaled(status) ? 128 + TermSignal(status) : ExitCode(status);
}
