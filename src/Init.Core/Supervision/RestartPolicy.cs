using Init.Runtime;

namespace Init.Supervision;

/// <summary>When an exit nobody asked for is followed by a restart: systemd's <c>Restart=</c> values, runit's <see cref="Always"/> by default.</summary>
public enum RestartWhen { Always, OnSuccess, OnFailure, OnAbnormal, OnAbort, OnWatchdog, Never }

/// <summary>Why ./run ended, in systemd's categories for <c>Restart=</c>.</summary>
public enum ExitCause
{
    /// <summary>./run ended on its own (an exit code or a signal nobody in the supervisor sent).</summary>
    OnItsOwn,
    /// <summary>The supervisor stopped it for not being ready in time (timeout-up).</summary>
    Timeout,
    /// <summary>The supervisor stopped it for missing its watchdog or failing its health check.</summary>
    Watchdog,
}

/// <summary>
/// Init's <c>restart-policy</c> file: whether a service is started again after an exit nobody asked
/// for (a stop or restart asked with <c>sv</c> is always obeyed). One line, <c>WHEN [success=LIST]
/// [prevent=LIST] [force=LIST]</c>, with systemd's meanings: WHEN is <c>always</c> (runit's rule),
/// <c>on-success</c>, <c>on-failure</c>, <c>on-abnormal</c>, <c>on-abort</c>, <c>on-watchdog</c> or
/// <c>never</c> (also <c>no</c>); a LIST is comma-separated exit codes and signal names that also
/// count as success (SuccessExitStatus=), never restart (RestartPreventExitStatus=) or always
/// restart (RestartForceExitStatus=). A service not restarted is wanted down, as after <c>sv down</c>:
/// ./finish still runs, <c>sv up</c> starts it again.
/// </summary>
public sealed record RestartPolicy(RestartWhen When, int[] Success, int[] Prevent, int[] Force)
{
    public const string File = "restart-policy";

    public static readonly RestartPolicy Runit = new(RestartWhen.Always, [], [], []);

    /// <summary>Exit statuses are kept as wait statuses' codes: an exit code as itself, a signal N as -N.</summary>
    private static int Code(int waitStatus) => WaitStatus.Signaled(waitStatus) ? -WaitStatus.TermSignal(waitStatus) : WaitStatus.ExitCode(waitStatus);

    /// <summary>systemd's clean exit: code 0, or death by HUP, INT, TERM or PIPE, or one of <see cref="Success"/>.</summary>
    public bool IsClean(int waitStatus)
    {
        int code = Code(waitStatus);
        return code is 0 or -1 or -2 or -15 or -13 || Array.IndexOf(Success, code) >= 0;
    }

    /// <summary>Whether ./run, ended with <paramref name="waitStatus"/> for <paramref name="cause"/>, is started again (systemd's table for Restart=).</summary>
    public bool Restarts(int waitStatus, ExitCause cause)
    {
        int code = Code(waitStatus);
        if (waitStatus != ServiceProcess.UnknownStatus)
        {
            if (Array.IndexOf(Prevent, code) >= 0) return false;
            if (Array.IndexOf(Force, code) >= 0) return true;
        }
        bool clean = cause == ExitCause.OnItsOwn && waitStatus != ServiceProcess.UnknownStatus && IsClean(waitStatus);
        bool signaled = cause == ExitCause.OnItsOwn && WaitStatus.Signaled(waitStatus) && !clean;
        return When switch
        {
            RestartWhen.Always => true,
            RestartWhen.Never => false,
            RestartWhen.OnSuccess => clean,
            RestartWhen.OnFailure => !clean,
            RestartWhen.OnAbnormal => cause != ExitCause.OnItsOwn || signaled,
            RestartWhen.OnAbort => signaled,
            RestartWhen.OnWatchdog => cause == ExitCause.Watchdog,
            _ => true,
        };
    }

    private static readonly (string Name, RestartWhen When)[] Names =
    [
        ("always", RestartWhen.Always), ("on-success", RestartWhen.OnSuccess), ("on-failure", RestartWhen.OnFailure),
        ("on-abnormal", RestartWhen.OnAbnormal), ("on-abort", RestartWhen.OnAbort), ("on-watchdog", RestartWhen.OnWatchdog),
        ("never", RestartWhen.Never), ("no", RestartWhen.Never),
    ];

    /// <summary>The name of <paramref name="when"/> as the file spells it.</summary>
    public static string NameOf(RestartWhen when) => Names.First(n => n.When == when).Name;

    /// <summary>The file's line, or null when it is not one (then the caller reports it and keeps runit's rule).</summary>
    public static RestartPolicy? Parse(string line)
    {
        var words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0) return null;
        int index = Array.FindIndex(Names, n => n.Name == words[0]);
        if (index < 0) return null;
        var policy = Runit with { When = Names[index].When };
        foreach (string word in words[1..])
        {
            int equals = word.IndexOf('=');
            if (equals < 0 || ParseList(word[(equals + 1)..]) is not { } list) return null;
            switch (word[..equals])
            {
                case "success": policy = policy with { Success = list }; break;
                case "prevent": policy = policy with { Prevent = list }; break;
                case "force": policy = policy with { Force = list }; break;
                default: return null;
            }
        }
        return policy;
    }

    /// <summary>Exit codes 0–255 and signal names or SIG names (as -N), comma-separated.</summary>
    private static int[]? ParseList(string text)
    {
        var codes = new List<int>();
        foreach (string item in text.Split(','))
        {
            if (ServicePolicy.ParseMs(item) is { } number) { if (number > 255) return null; codes.Add((int)number); }
            else if (item.Length > 0 && !char.IsAsciiDigit(item[0]) && ServicePolicy.ParseSignal(item) is { } signo) codes.Add(-signo);
            else return null;
        }
        return codes.ToArray();
    }

    /// <summary>The line that <see cref="Parse"/> reads back as this policy.</summary>
    public override string ToString()
    {
        var words = new List<string> { NameOf(When) };
        void Add(string key, int[] list)
        {
            if (list.Length > 0) words.Add(key + "=" + string.Join(',', list.Select(c => c >= 0 ? c.ToString(System.Globalization.CultureInfo.InvariantCulture) : SignalName(-c))));
        }
        Add("success", Success);
        Add("prevent", Prevent);
        Add("force", Force);
        return string.Join(' ', words);
    }

    private static string SignalName(int signo) => ServicePolicy.SignalName(signo) is { } name ? "SIG" + name : signo.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
