namespace Init.Container;

/// <summary>Whose behaviour and messages a container entrypoint reproduces.</summary>
public enum Flavor { Tini, DumbInit }

/// <summary>
/// What a single-child container entrypoint was asked to do: the union of tini's and dumb-init's
/// options plus Init's own (descendant grace). Built by <see cref="TiniCommandLine"/> or
/// <see cref="DumbInitCommandLine"/>; read by the applet's loop.
/// </summary>
public sealed class ContainerOptions
{
    public Flavor Flavor { get; set; } = Flavor.Tini;
    /// <summary>The program and its arguments (argv of the child).</summary>
    public string[] Command { get; set; } = [];

    /// <summary>tini -s / TINI_SUBREAPER: PR_SET_CHILD_SUBREAPER so orphans come to us when we are not PID 1.</summary>
    public bool Subreaper { get; set; }
    /// <summary>tini -p SIG: PR_SET_PDEATHSIG on ourselves (the signal is then forwarded like any other); 0 = none.</summary>
    public int ParentDeathSignal { get; set; }
    /// <summary>tini -g / dumb-init's setsid mode: signals go to the child's whole process group.</summary>
    public bool SignalProcessGroup { get; set; }
    /// <summary>dumb-init's default: the child starts a new session (tini: a new process group only).</summary>
    public bool NewSession { get; set; }
    /// <summary>tini -w: warn for every zombie reaped that is not the main child.</summary>
    public bool WarnOnReap { get; set; }
    /// <summary>tini: 1 = warnings (default), 2 info, 3 debug, 4 trace. dumb-init: &gt; 1 = debug (-v).</summary>
    public int Verbosity { get; set; } = 1;
    /// <summary>tini -e: exit codes (0–255) reported as 0.</summary>
    public bool[] RemapToZero { get; } = new bool[256];
    /// <summary>dumb-init -r s:r: signal s (1–31) is forwarded as r (0 = dropped); -1 = unchanged.</summary>
    public int[] Rewrite { get; } = NewRewriteTable();
    /// <summary>
    /// Init's addition (tini#180, dumb-init#212): after the main child exits, TERM the remaining
    /// descendants and wait for them up to this many milliseconds, then KILL; -1 = exit at once (as tini).
    /// </summary>
    public long DescendantGraceMs { get; set; } = -1;
    /// <summary>
    /// Init's addition (<c>--services DIR</c> / INIT_SERVICES): a supervision tree (runsvdir on DIR)
    /// runs alongside the main command and is stopped when it exits; null = none.
    /// </summary>
    public string? ServiceDirectory { get; set; }

    private static int[] NewRewriteTable()
    {
        var table = new int[32];
        Array.Fill(table, -1);
        return table;
    }

    /// <summary>The signal actually sent for a received one (dumb-init's translate_signal); 0 = don't forward.</summary>
    public int Translate(int signo) => signo is >= 1 and <= 31 && Rewrite[signo] >= 0 ? Rewrite[signo] : signo;
}

/// <summary>Outcome of parsing: run with options, or exit at once with a code (help, version, usage error).</summary>
public readonly record struct ParseResult(ContainerOptions? Options, int ExitCode)
{
    public static ParseResult Exit(int code) => new(null, code);
    public static ParseResult Run(ContainerOptions options) => new(options, 0);
}
