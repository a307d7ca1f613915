using System.Globalization;
using Init.Supervision;

namespace Init.Import;

/// <summary>The files beside the scripts: readiness, timeouts, the stop signal, restarts, dependencies, cgroup limits, and the notes on the rest.</summary>
public sealed partial class UnitImport
{
    /// <summary>systemd's defaults where Init's differ: 90 s to stop (DefaultTimeoutStopSec=) and to be ready, 5 starts in 10 s.</summary>
    private const long SystemdStopTimeoutMs = 90_000, SystemdStartTimeoutMs = 90_000;
    private const int SystemdStartLimitBurst = 5;
    private const long SystemdStartLimitIntervalMs = 10_000;

    private static string Ms(long ms) => ms.ToString(CultureInfo.InvariantCulture) + "\n";

    /// <summary>A time span entry in ms (infinity as 0, "never", as Init's files say it); null when it is not one (noted).</summary>
    private long? TimeoutMs(UnitEntry entry)
    {
        if (SystemdValues.TimeSpanMs(entry.Value) is not { } ms) { Skip(entry, "not a time span"); return null; }
        return ms == SystemdValues.Infinity ? 0 : ms;
    }

    private void Policy(string type, bool oneshot)
    {
        switch (type)
        {
            case "simple" or "exec" or "oneshot" or "forking": break;
            case "notify" or "notify-reload":
                _draft.Add(NotifyMessage.SocketFile, "");
                if (type == "notify-reload") _draft.Note($"{_source}: Type=notify-reload: approximated: as notify; sv reload sends HUP, RELOADING=1 is not waited for");
                break;
            case "dbus":
                _draft.Note($"{_source}: Type=dbus: approximated: up once started; readiness by its bus name is not waited for");
                if (Take("Service", "BusName") is { } bus) _done.Add(bus);
                break;
            case "idle": break;
            default: _draft.Note($"{_source}: Type={type}: not translated: unknown, run as Type=simple"); break;
        }
        bool notify = type is "notify" or "notify-reload";

        // Stopping: systemd's KillSignal= and its 90 s default before SIGKILL, which runit never sends.
        if (Take("Service", "KillSignal") is { } kill)
        {
            if (ServicePolicy.ParseSignal(kill.Value) is { } signo) { if (signo != 15) _draft.Add(ServicePolicy.DownSignalFile, kill.Value + "\n"); }
            else Skip(kill, "not a signal name");
        }
        long stopMs = SystemdStopTimeoutMs;
        if (Take("Service", "TimeoutSec") is { } both && TimeoutMs(both) is { } bothMs) stopMs = bothMs;
        if (Take("Service", "TimeoutStopSec") is { } stop && TimeoutMs(stop) is { } ms) stopMs = ms;
        if (Take("Service", "SendSIGKILL") is { } sigkill && SystemdValues.Boolean(sigkill.Value) == false) stopMs = 0;
        // A oneshot's stop is its down script, which timeout-finish bounds.
        if (stopMs > 0) _draft.Add(oneshot ? ServicePolicy.TimeoutFinishFile : ServicePolicy.TimeoutKillFile, Ms(Math.Min(stopMs, ServicePolicy.MaxMs)));

        // Readiness: a notify service (or a oneshot's up) must be ready within TimeoutStartSec=.
        long? upMs = notify ? SystemdStartTimeoutMs : null;
        var startTimeout = Take("Service", "TimeoutStartSec") ?? _unit.Last("Service", "TimeoutSec");
        if (startTimeout is not null && TimeoutMs(startTimeout) is { } start)
        {
            if (notify || oneshot) upMs = start;
            else if (startTimeout.Key == "TimeoutStartSec") Approximate(startTimeout, "only a service declaring readiness (Type=notify) or a oneshot has a start to time");
        }
        if (upMs is > 0) _draft.Add(ServicePolicy.TimeoutUpFile, Ms(Math.Min(upMs.Value, ServicePolicy.MaxMs)));
        if (Take("Service", "WatchdogSec") is { } watchdog && TimeoutMs(watchdog) is { } watchdogMs and > 0)
        {
            if (notify) _draft.Add(ServicePolicy.WatchdogFile, Ms(Math.Min(watchdogMs, ServicePolicy.MaxMs)));
            else Skip(watchdog, "a watchdog needs Type=notify");
        }
        Restarts();
    }

    /// <summary>Restart=, its exit-status lists, RestartSec= and the start limit: restart-policy, restart-backoff and restart-limit.</summary>
    private void Restarts()
    {
        string restart = Value("Service", "Restart") ?? "no";
        var when = RestartPolicy.Parse(restart);
        if (when is null) { Skip(Take("Service", "Restart")!, "not a Restart= value"); when = RestartPolicy.Runit with { When = RestartWhen.Never }; }
        var policy = when with
        {
            Success = StatusList("SuccessExitStatus"),
            Prevent = StatusList("RestartPreventExitStatus"),
            Force = StatusList("RestartForceExitStatus"),
        };
        if (policy.When != RestartWhen.Always || policy.Success.Length + policy.Prevent.Length + policy.Force.Length > 0)
        {
            string line = policy.ToString();
            // Within what the supervisor reads of the file's first line.
            if (line.Length <= 64) _draft.Add(RestartPolicy.File, line + "\n");
            else _draft.Note($"{_source}: restart-policy \"{line}\": not translated: longer than the 64 bytes a policy file may hold; shorten its lists");
        }

        var maxDelay = Take("Service", "RestartMaxDelaySec");
        var steps = Take("Service", "RestartSteps");
        if (Take("Service", "RestartSec") is { } delay && TimeoutMs(delay) is { } delayMs && delayMs > 0 && policy.When != RestartWhen.Never)
        {
            long maxMs = delayMs;
            // The delay grows only in RestartSteps= steps; without them RestartMaxDelaySec= changes nothing.
            if (steps is not null && maxDelay is not null && TimeoutMs(maxDelay) is { } m && m > delayMs) maxMs = m;
            if (steps is not null) Approximate(steps, "the delay doubles from RestartSec= up to RestartMaxDelaySec=");
            // Every restart waits (RESET never reached), as systemd's RestartSec= applies to each.
            _draft.Add(ServicePolicy.BackoffFile, $"{delayMs} {maxMs} {ServicePolicy.MaxMs}\n");
        }

        // [Unit]'s since systemd 230, still read in [Service] (StartLimitInterval= the older name).
        UnitEntry? Either(params string[] keys) =>
            keys.SelectMany(key => new[] { Take("Service", key), Take("Unit", key) }).ToList().LastOrDefault(e => e is not null);
        var burst = Either("StartLimitBurst");
        var interval = Either("StartLimitInterval", "StartLimitIntervalSec");
        int deaths = SystemdStartLimitBurst;
        long windowMs = SystemdStartLimitIntervalMs;
        if (burst is not null)
        {
            if (int.TryParse(burst.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= ServicePolicy.MaxDeathTally) deaths = n;
            else Skip(burst, "not a count from 1");
        }
        if (interval is not null && SystemdValues.TimeSpanMs(interval.Value) is { } window) windowMs = window is SystemdValues.Infinity or 0 ? 0 : window;
        else if (interval is not null) Skip(interval, "not a time span");
        // systemd's limit applies to restarts: a service never restarted needs none.
        if (windowMs > 0 && policy.When != RestartWhen.Never) _draft.RestartLimit(deaths, windowMs);
        if (Either("StartLimitAction") is { } action && action.Value != "none") Skip(action, "a failed service stays down; nothing else is done");
    }

    /// <summary>SuccessExitStatus=-style lists: exit codes and signal names, as exit codes and -signal numbers.</summary>
    private int[] StatusList(string key)
    {
        var codes = new List<int>();
        foreach (var entry in TakeList("Service", key))
            foreach (string word in Words(entry.Value))
            {
                if (int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out int code) && code <= 255) codes.Add(code);
                else if (ServicePolicy.ParseSignal(word) is { } signo && !char.IsAsciiDigit(word[0])) codes.Add(-signo);
                else _draft.Note($"{Where(entry)}: {key}={word}: not translated: not an exit code or a signal name", entry.Line);
            }
        return codes.Distinct().ToArray();
    }

    private static string? ServiceNamed(string unit) =>
        unit.EndsWith(".service", StringComparison.Ordinal) && unit.Length > 8 ? unit[..^8] : null;

    /// <summary>
    /// Requires=, Wants=, BindsTo=, Requisite= on services: dependencies.d (s6-rc's: started first, and
    /// needed). Ordering alone (After=) and units that are not services have no equivalent: noted.
    /// </summary>
    private void Dependencies()
    {
        var needed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string key in new[] { "Requires", "BindsTo", "Requisite", "Wants", "Upholds" })
            foreach (var entry in TakeList("Unit", key))
                foreach (string unit in Words(entry.Value))
                {
                    if (ServiceNamed(unit) is not { } service) { _draft.Note($"{Where(entry)}: {key}={unit}: not translated: {Kind(unit)}", entry.Line); continue; }
                    needed.Add(service);
                    if (key is "Wants" or "Upholds") _draft.Note($"{Where(entry)}: {key}={unit}: approximated: a dependency (dependencies.d), which is needed, where systemd's {key}= is not", entry.Line);
                }
        foreach (var entry in TakeList("Unit", "After"))
            foreach (string unit in Words(entry.Value))
                if (ServiceNamed(unit) is not { } service) _draft.Note($"{Where(entry)}: After={unit}: not translated: {Kind(unit)}", entry.Line);
                else if (!needed.Contains(service)) _draft.Note($"{Where(entry)}: After={unit}: not translated: an order without a need; add {service} to dependencies.d if it is needed", entry.Line);
        foreach (string service in needed) _draft.Add(ServiceDependencies.Directory + "/" + service, "");
    }

    private static string Kind(string unit) => Path.GetExtension(unit) switch
    {
        ".target" => "a target: Init has no targets (services start when their dependencies are up)",
        ".socket" => "a socket unit: hold its socket with a listen file",
        ".mount" or ".automount" => "a mount: stage 1 mounts what the system needs",
        ".timer" => "a timer: run it from cron",
        ".device" or ".path" or ".slice" or ".scope" or ".swap" => $"a {Path.GetExtension(unit)[1..]} unit: Init has none",
        _ => "not a unit name Init knows",
    };

    private static readonly (string Key, string File)[] CgroupLimits =
    [
        ("MemoryMax", "memory.max"), ("MemoryLimit", "memory.max"), ("MemoryHigh", "memory.high"), ("MemoryLow", "memory.low"),
        ("MemoryMin", "memory.min"), ("MemorySwapMax", "memory.swap.max"),
    ];

    /// <summary>The cgroup limits (MemoryMax=, CPUQuota=, TasksMax=, CPUWeight=, IOWeight=) as files of limits/.</summary>
    private void Limits()
    {
        foreach (var (key, file) in CgroupLimits)
            if (Take("Service", key) is { } entry)
            {
                if (SystemdValues.CgroupBytes(entry.Value) is { } bytes) _draft.Add($"{ServiceLimits.Directory}/{file}", bytes + "\n");
                else Skip(entry, "only sizes (bytes with K, M, G, T) and infinity are translated");
            }
        if (Take("Service", "TasksMax") is { } tasks)
        {
            if (SystemdValues.Count(tasks.Value) is { } n && n != 0) _draft.Add($"{ServiceLimits.Directory}/pids.max", (n == SystemdValues.Infinity ? "max" : n.ToString(CultureInfo.InvariantCulture)) + "\n");
            else Skip(tasks, "only a count and infinity are translated");
        }
        if (Take("Service", "CPUQuota") is { } quota)
        {
            long periodUs = 100_000;
            if (Take("Service", "CPUQuotaPeriodSec") is { } period && SystemdValues.TimeSpanMs(period.Value) is { } periodMs and > 0) periodUs = periodMs * 1000;
            if (SystemdValues.Percent(quota.Value) is { } percent)
                _draft.Add($"{ServiceLimits.Directory}/cpu.max", $"{(long)Math.Ceiling(percent / 100 * periodUs)} {periodUs}\n");
            else Skip(quota, "not a percentage");
        }
        foreach (var (key, file) in new[] { ("CPUWeight", "cpu.weight"), ("IOWeight", "io.weight") })
            if (Take("Service", key) is { } weight)
            {
                if (int.TryParse(weight.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int w) && w is >= 1 and <= 10000) _draft.Add($"{ServiceLimits.Directory}/{file}", w + "\n");
                else Skip(weight, "only a weight from 1 to 10000 is translated");
            }
    }

    /// <summary>[Install]: how a unit is enabled, which under Init is a link in the scanned directory.</summary>
    private void Install()
    {
        foreach (var entry in _unit.Entries.Where(e => e.Section == "Install").ToList())
            Skip(entry, entry.Key is "WantedBy" or "RequiredBy"
                ? "enable the service by linking its directory into the one runsvdir scans (e.g. ln -s DIR /etc/service/)"
                : entry.Key == "Alias" ? "link the service directory under that name too, if something uses it" : "nothing of [Install] applies");
    }
}
