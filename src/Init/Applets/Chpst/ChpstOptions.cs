namespace Init.Applets.Chpst;

/// <summary>Everything chpst (or one of its daemontools names) was asked to change, in runit's order.</summary>
public sealed class ChpstOptions
{
    // RLIMIT_* of Linux x86-64.
    public const int Cpu = 0, Fsize = 1, Data = 2, Stack = 3, Core = 4, Rss = 5, Nproc = 6, Nofile = 7, Memlock = 8, As = 9;
    /// <summary>A limit value meaning "the hard limit" (softlimit's "=").</summary>
    public const ulong Hard = ulong.MaxValue;

    public string? SetUser, EnvUser, Argv0, EnvDir, Root, WorkingDirectory, LockFile;
    public bool SetUserIsAccount;       // setuidgid/envuidgid: plain account name, no ":group" syntax
    public bool EnvDirSkipsDirectories = true;
    public bool Verbose, NewSession, CloseStdin, CloseStdout, CloseStderr;
    public bool LockWaits;              // -l (wait) versus -L (fail at once)
    public bool LockBusyIsSuccess;      // setlock -x
    public int Nice;
    /// <summary>Soft limits to set, by resource, applied in runit's order.</summary>
    public readonly SortedDictionary<int, ulong> Limits = [];

    /// <summary>runit's slimit() order: data, stack, memlock, as, nofile, nproc, fsize, core, rss, cpu.</summary>
    public static readonly int[] LimitOrder = [Data, Stack, Memlock, As, Nofile, Nproc, Fsize, Core, Rss, Cpu];

    public void SetMemory(ulong value)
    {
        Limits[Data] = value; Limits[Stack] = value; Limits[Memlock] = value; Limits[As] = value;
    }
}
