using System.Text;
using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Supervision;

/// <summary>Restart backoff of a crash loop: the first delay, its ceiling, and how long a run must last to reset it (all ms).</summary>
public readonly record struct Backoff(long MinMs, long MaxMs, long ResetMs)
{
    public static readonly Backoff Default = new(1000, 60_000, 60_000);
}

/// <summary>The restart limit: <paramref name="Deaths"/> exits nobody asked for within <paramref name="WindowMs"/> make the service "failed".</summary>
public readonly record struct RestartLimit(int Deaths, long WindowMs);

/// <summary>
/// How a service is stopped and restarted beyond runit: s6's <c>down-signal</c>, <c>timeout-kill</c>,
/// <c>timeout-finish</c> (same names and meanings, except that a missing <c>timeout-finish</c> means no
/// limit, as runit, where s6 means 5000 ms) and Init's <c>restart-backoff</c>. A directory with none
/// of them gets <see cref="Runit"/>: exactly runsv's behaviour. Also s6-rc's <c>type</c>
/// (<c>oneshot</c>: <c>up</c> and <c>down</c> instead of <c>run</c>), s6's <c>max-death-tally</c>
/// (how many deaths are remembered), s6-rc's <c>timeout-up</c> (how long ./run may take to be ready),
/// Init's <c>restart-limit</c>, <c>restart-policy</c> (systemd's Restart=, <see cref="RestartPolicy"/>) and
/// <c>watchdog-timeout</c> (systemd's WatchdogSec, for sd_notify services).
/// </summary>
public readonly record struct ServicePolicy(int DownSignal, long TimeoutKillMs, long TimeoutFinishMs, Backoff? Backoff,
    RestartLimit? Limit = null, int DeathTally = ServicePolicy.DefaultDeathTally, bool Oneshot = false,
    long TimeoutUpMs = 0, long WatchdogMs = 0, bool StopDependants = true,
    long HealthIntervalMs = ServicePolicy.DefaultHealthIntervalMs, long HealthTimeoutMs = ServicePolicy.DefaultHealthTimeoutMs,
    int HealthRetries = ServicePolicy.DefaultHealthRetries, RestartPolicy? Restart = null)
{
    public static readonly ServicePolicy Runit = new(SIGTERM, 0, 0, null);

    public const string DownSignalFile = "down-signal", TimeoutKillFile = "timeout-kill",
        TimeoutFinishFile = "timeout-finish", BackoffFile = "restart-backoff", TypeFile = "type",
        DeathTallyFile = "max-death-tally", RestartLimitFile = "restart-limit", TimeoutUpFile = "timeout-up",
        WatchdogFile = "watchdog-timeout";

    public const string HealthIntervalFile = "health-interval", HealthTimeoutFile = "health-timeout", HealthRetriesFile = "health-retries";

    /// <summary>Defaults of the health check (<c>./health</c>): every 10 s, 5 s to answer, 3 failures in a row restart the service.</summary>
    public const long DefaultHealthIntervalMs = 10_000, DefaultHealthTimeoutMs = 5_000;
    public const int DefaultHealthRetries = 3;

    /// <summary>s6's default and largest <c>max-death-tally</c>.</summary>
    public const int DefaultDeathTally = 100, MaxDeathTally = 4096;

    /// <summary>Longest first line read; the largest accepted number of milliseconds (about 24 days).</summary>
    private const int MaxBytes = 64;
    public const long MaxMs = int.MaxValue;

    /// <summary>
    /// Reads the files of <paramref name="directory"/>; each invalid one is reported through
    /// <paramref name="warn"/> ("timeout-kill: not a number of milliseconds: \"abc\": ignored") and its default used.
    /// Throws <see cref="SupervisorError"/> when descriptors or memory run out.
    /// </summary>
    /// <param name="defaults">The global settings (<see cref="Globals"/>: backoff and timeout-kill), which the files override; <see cref="Runit"/> by default.</param>
    public static ServicePolicy Read(string directory, Action<string> warn, ServicePolicy? defaults = null)
    {
        var policy = defaults ?? Runit;
        int dir = OpenDirectory(directory);
        if (dir < 0) return policy;
        try
        {
            // One listing instead of an open per file, nearly all absent, at every start of ./run.
            var present = Sys.DirectoryNames(dir) is { } names ? new HashSet<string>(names) : null;
            string? Line(string name) => present is null || present.Contains(name) ? ReadLine(dir, name, warn) : null;

            if (Line(DownSignalFile) is { } signal)
                policy = policy with { DownSignal = Valid(ParseSignal(signal), DownSignalFile, "not a signal name", signal, warn) ?? SIGTERM };
            if (Line(TimeoutKillFile) is { } kill)
                policy = policy with { TimeoutKillMs = Valid(ParseMs(kill), TimeoutKillFile, "not a number of milliseconds", kill, warn) ?? 0 };
            if (Line(TimeoutFinishFile) is { } finish)
                policy = policy with { TimeoutFinishMs = Valid(ParseMs(finish), TimeoutFinishFile, "not a number of milliseconds", finish, warn) ?? 0 };
            if (Line(TimeoutUpFile) is { } up)
                policy = policy with { TimeoutUpMs = Valid(ParseMs(up), TimeoutUpFile, "not a number of milliseconds", up, warn) ?? 0 };
            if (Line(WatchdogFile) is { } watchdog)
                policy = policy with { WatchdogMs = Valid(ParseMs(watchdog), WatchdogFile, "not a number of milliseconds", watchdog, warn) ?? 0 };
            if (Line(HealthIntervalFile) is { } interval)
                policy = policy with { HealthIntervalMs = Valid(Within(ParseMs(interval), 100, MaxMs), HealthIntervalFile, "not a number of milliseconds from 100", interval, warn) ?? DefaultHealthIntervalMs };
            if (Line(HealthTimeoutFile) is { } timeout)
                policy = policy with { HealthTimeoutMs = Valid(Within(ParseMs(timeout), 1, MaxMs), HealthTimeoutFile, "not a number of milliseconds from 1", timeout, warn) ?? DefaultHealthTimeoutMs };
            if (Line(HealthRetriesFile) is { } retries)
                policy = policy with { HealthRetries = (int)(Valid(Within(ParseMs(retries), 1, 1000), HealthRetriesFile, "not a number from 1 to 1000", retries, warn) ?? DefaultHealthRetries) };
            if (Line(BackoffFile) is { } text)
            {
                if (text == "off") policy = policy with { Backoff = null };
                else if (ParseBackoff(text) is { } parsed) policy = policy with { Backoff = parsed };
                else warn($"{BackoffFile}: not off or MIN MAX RESET in milliseconds: \"{Shown(text)}\": ignored");
            }
            if (Line(TypeFile) is { } type)
            {
                if (type == "oneshot") policy = policy with { Oneshot = true };
                else if (type != "longrun") warn($"{TypeFile}: not longrun or oneshot: \"{Shown(type)}\": ignored, a longrun");
            }
            if (Line(RestartPolicy.File) is { } restart)
            {
                if (RestartPolicy.Parse(restart) is { } parsed) policy = policy with { Restart = parsed };
                else warn($"{RestartPolicy.File}: not WHEN [success=LIST] [prevent=LIST] [force=LIST]: \"{Shown(restart)}\": ignored");
            }
            if (Line(DeathTallyFile) is { } tally)
            {
                long? remembered = ParseMs(tally) is { } number && number <= MaxDeathTally ? number : null;
                policy = policy with { DeathTally = (int)(Valid(remembered, DeathTallyFile, $"not a number from 0 to {MaxDeathTally}", tally, warn) ?? DefaultDeathTally) };
            }
            if (Line(RestartLimitFile) is { } limit)
            {
                if (ParseRestartLimit(limit) is not { } parsed) warn($"{RestartLimitFile}: not DEATHS WINDOW (deaths from 1, window in milliseconds): \"{Shown(limit)}\": ignored");
                else if (parsed.Deaths > policy.DeathTally) warn($"{RestartLimitFile}: {parsed.Deaths} deaths, more than the {policy.DeathTally} remembered ({DeathTallyFile}): ignored");
                else policy = policy with { Limit = parsed };
            }
            return policy;
        }
        finally { Sys.Close(dir); }
    }

    private static long? Within(long? value, long min, long max) => value >= min && value <= max ? value : null;

    private static T? Valid<T>(T? value, string file, string what, string text, Action<string> warn) where T : struct
    {
        if (value is null) warn($"{file}: {what}: \"{Shown(text)}\": ignored");
        return value;
    }

    /// <summary>
    /// The first line of a plain file in <paramref name="dir"/>, or null when there is none. Never
    /// through a symlink (O_NOFOLLOW) nor from a FIFO or device (O_NONBLOCK, then regular files only).
    /// </summary>
    private static string? ReadLine(int dir, string name, Action<string> warn)
    {
        int fd = OpenPlain(dir, name, warn);
        if (fd < 0) return null;
        try
        {
            Span<byte> buffer = stackalloc byte[MaxBytes + 1];
            int n = Sys.Read(fd, buffer);
            if (n < 0) { warn($"{name}: unable to read: ignored"); return null; }
            var bytes = buffer[..n];
            int newline = bytes.IndexOf((byte)'\n');
            if (newline >= 0) bytes = bytes[..newline];
            else if (n > MaxBytes) { warn($"{name}: first line longer than {MaxBytes} bytes: ignored"); return null; }
            return Encoding.Latin1.GetString(bytes).Trim(' ', '\t', '\r');
        }
        finally { Sys.Close(fd); }
    }

    /// <summary>
    /// The whole of a plain file in <paramref name="dir"/> of at most <paramref name="maxBytes"/>, read
    /// with the care of <see cref="ReadLine"/>; null when there is none or it is unusable (then said through <paramref name="warn"/>).
    /// </summary>
    internal static byte[]? ReadAll(int dir, string name, int maxBytes, Action<string> warn)
    {
        int fd = OpenPlain(dir, name, warn);
        if (fd < 0) return null;
        try
        {
            var bytes = new byte[maxBytes + 1];
            int total = 0, n;
            while (total < bytes.Length && (n = Sys.Read(fd, bytes.AsSpan(total))) != 0)
            {
                if (n < 0) { warn($"{name}: unable to read: ignored"); return null; }
                total += n;
            }
            if (total > maxBytes) { warn($"{name}: longer than {maxBytes} bytes: ignored"); return null; }
            return bytes[..total];
        }
        finally { Sys.Close(fd); }
    }

    /// <summary>
    /// Out of descriptors or memory: the file may well exist, so its default must not be taken for
    /// its value (a service started with the wrong down-signal, or without its sockets). Thrown as a
    /// <see cref="SupervisorError"/>, for the caller to retry.
    /// </summary>
    private static bool OutOfResources(int errno) => errno is EMFILE or ENFILE or ENOMEM;

    /// <summary>An fd of the service directory; -1 when it is gone (its files' defaults then apply).</summary>
    internal static int OpenDirectory(string directory)
    {
        int dir = Sys.Open(directory, O_RDONLY | O_DIRECTORY);
        if (dir < 0 && OutOfResources(Sys.Errno)) throw new SupervisorError("unable to open the service directory", Sys.Errno);
        return dir;
    }

    /// <summary>An fd of <paramref name="name"/> in <paramref name="dir"/> when it is a plain file; -1 when missing or not one (reported).</summary>
    private static int OpenPlain(int dir, string name, Action<string> warn)
    {
        int fd = Sys.OpenAt(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
        {
            if (OutOfResources(Sys.Errno)) throw new SupervisorError($"unable to open {name}", Sys.Errno);
            if (Sys.Errno != ENOENT) warn(Sys.Errno == ELOOP ? $"{name}: a symlink (never followed): ignored" : $"{name}: unable to open, ignored: {Diagnostics.Text(Sys.Errno)}");
            return -1;
        }
        if (Sys.Fstat(fd, out var st) < 0 || !st.IsRegular)
        {
            warn($"{name}: not a plain file: ignored");
            Sys.Close(fd);
            return -1;
        }
        return fd;
    }

    /// <summary>The text as a warning quotes it: printable ASCII, at most 32 characters.</summary>
    internal static string Shown(string text) => Printable.Of(text, 32, asciiOnly: true, more: "...");

    /// <summary>Milliseconds as s6 writes them: decimal digits only, 0 = no limit, at most <see cref="MaxMs"/>.</summary>
    public static long? ParseMs(ReadOnlySpan<char> text) => (long?)Digits.Strict(text, 10, MaxMs);

    /// <summary>
    /// <c>MIN MAX RESET</c> in ms, separated by blanks, MIN &gt; 0 and MIN ≤ MAX; an empty file means
    /// <see cref="Backoff.Default"/> (1 s doubling to 60 s, reset after 60 s of running).
    /// </summary>
    public static Supervision.Backoff? ParseBackoff(string text)
    {
        var fields = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 0) return Supervision.Backoff.Default;
        if (fields.Length != 3) return null;
        if (ParseMs(fields[0]) is not { } min || ParseMs(fields[1]) is not { } max || ParseMs(fields[2]) is not { } reset) return null;
        return min > 0 && min <= max ? new Supervision.Backoff(min, max, reset) : null;
    }

    /// <summary><c>DEATHS WINDOW</c>: at least one death, a window of at least 1 ms.</summary>
    public static RestartLimit? ParseRestartLimit(string text)
    {
        var fields = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 2 || ParseMs(fields[0]) is not { } deaths || ParseMs(fields[1]) is not { } window) return null;
        return deaths is >= 1 and <= MaxDeathTally && window >= 1 ? new RestartLimit((int)deaths, window) : null;
    }

    /// <summary>Whether <paramref name="serviceDirectory"/> is a oneshot (its <c>type</c> says so), for those who only look at it (sv, dependants).</summary>
    public static bool IsOneshot(string serviceDirectory)
    {
        Span<byte> text = stackalloc byte[16];
        int n = Sys.ReadFile(Path.Combine(serviceDirectory, TypeFile), text);
        return n > 0 && text[..n].TrimEnd(" \t\r\n"u8).SequenceEqual("oneshot"u8);
    }

    /// <summary>The environment variables through which PID 1 passes its RestartBackoff and TimeoutKillMs settings to runsvdir and runsv.</summary>
    public const string BackoffVariable = "INIT_RESTARTBACKOFF", TimeoutKillVariable = "INIT_TIMEOUTKILLMS",
        StopDependantsVariable = "INIT_STOPDEPENDANTS";

    /// <summary>
    /// The defaults every service's files start from, from this process's environment (read once
    /// per supervisor): runit's, with the global backoff and timeout-kill. A bad value is reported and ignored.
    /// </summary>
    public static ServicePolicy Globals(Action<string> warn)
    {
        string? backoffText = Environment.GetEnvironmentVariable(BackoffVariable);
        if (!TryParseBackoffSetting(backoffText, out var backoff))
            warn($"{BackoffVariable}: not off or MIN MAX RESET in milliseconds: \"{Shown(backoffText ?? "")}\": ignored");
        string? killText = Environment.GetEnvironmentVariable(TimeoutKillVariable);
        long? kill = string.IsNullOrEmpty(killText) ? 0 : ParseMs(killText);
        if (kill is null) warn($"{TimeoutKillVariable}: not a number of milliseconds: \"{Shown(killText!)}\": ignored");
        string? dependants = Environment.GetEnvironmentVariable(StopDependantsVariable);
        bool stopDependants = dependants is null or "" or "true" or "1";
        if (!stopDependants && dependants is not ("false" or "0")) { warn($"{StopDependantsVariable}: not true or false: \"{Shown(dependants!)}\": ignored"); stopDependants = true; }
        return Runit with { Backoff = backoff, TimeoutKillMs = kill ?? 0, StopDependants = stopDependants };
    }

    /// <summary>The global setting's values: <c>off</c> (or empty: the variable unset) or <c>MIN MAX RESET</c>.</summary>
    public static bool TryParseBackoffSetting(string? text, out Supervision.Backoff? backoff)
    {
        backoff = null;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text) || text == "off") return true;
        backoff = ParseBackoff(text);
        return backoff is not null;
    }

    private static readonly (string Name, int Signo)[] Signals =
    [
        ("HUP", SIGHUP), ("INT", SIGINT), ("QUIT", SIGQUIT), ("KILL", SIGKILL), ("USR1", SIGUSR1), ("USR2", SIGUSR2),
        ("ALRM", SIGALRM), ("TERM", SIGTERM), ("CONT", SIGCONT), ("STOP", SIGSTOP), ("TSTP", SIGTSTP),
        ("TTIN", SIGTTIN), ("TTOU", SIGTTOU), ("WINCH", SIGWINCH), ("PWR", SIGPWR), ("URG", SIGURG), ("IO", SIGIO),
        ("XCPU", SIGXCPU), ("XFSZ", SIGXFSZ), ("VTALRM", SIGVTALRM), ("PROF", SIGPROF), ("SYS", SIGSYS),
        ("ABRT", SIGABRT), ("PIPE", SIGPIPE), ("SEGV", SIGSEGV), ("BUS", SIGBUS), ("FPE", SIGFPE), ("ILL", SIGILL),
        ("TRAP", SIGTRAP),
    ];

    /// <summary>The name of signal <paramref name="signo"/> without SIG (TERM), or null for one without a name here.</summary>
    public static string? SignalName(int signo)
    {
        foreach (var (name, number) in Signals) if (number == signo) return name;
        return null;
    }

    /// <summary>A signal as s6 reads <c>down-signal</c>: a name with or without <c>SIG</c> (HUP, SIGHUP), or its number.</summary>
    public static int? ParseSignal(string text)
    {
        if (ParseMs(text) is { } number) return number is >= 1 and <= 64 ? (int)number : null;
        string name = text.StartsWith("SIG", StringComparison.Ordinal) ? text[3..] : text;
        foreach (var (n, signo) in Signals) if (n == name) return signo;
        return null;
    }
}
