using System.Text;
using Init.Interop;
using Init.Runtime;
using Init.Supervision;
using static Init.Interop.Consts;

namespace Init.Control;

/// <summary>What a supervisor of one process (a service, or its logger) last published, as <c>sv status --json</c> and <c>sv metrics</c> show it.</summary>
/// <param name="Supervised">A supervisor holds <c>supervise/ok</c>; false: nothing below is current (or there was never one).</param>
/// <param name="State">down, run or finish; null without a readable status.</param>
/// <param name="Since">Unix time of the last state change (seconds).</param>
/// <param name="Readiness">starting, ready or stopping, for a service that declares readiness; null otherwise.</param>
/// <param name="StatusText">The last sd_notify STATUS= text.</param>
/// <param name="LastExit">exit N, signal N, signal 9 (oom) or unknown; null before the first exit (or under runit's runsv, which does not say).</param>
/// <param name="Resources">The process's cgroup and its figures, under the engine with cgroups; null otherwise.</param>
public sealed record ProcessReport(
    bool Supervised,
    string? State,
    int? Pid,
    long? Since,
    long? UptimeSeconds,
    string? Want,
    bool Paused,
    bool TermSent,
    string? Readiness,
    string? StatusText,
    int? Restarts,
    string? LastExit,
    long? BackoffDelayMs,
    string? NextStart,
    bool Failed,
    string? Error,
    CgroupFigures? Resources = null);

/// <summary>What a service's cgroup says: where it is, bytes in use, CPU time, processes the OOM killer ended (null: no such controller).</summary>
public sealed record CgroupFigures(string Path, long? MemoryBytes, double? CpuSeconds, long? OomKills)
{
    /// <summary>The figures of the cgroup named in <c>supervise/cgroup</c>, or null when there is none (or it is gone).</summary>
    public static CgroupFigures? Read(string supervise)
    {
        Span<byte> buffer = stackalloc byte[512];
        int n = Sys.ReadFile(System.IO.Path.Combine(supervise, SuperviseDirectory.CgroupFile), buffer);
        if (n <= 0) return null;
        var cgroup = new Cgroup(Encoding.UTF8.GetString(buffer[..n]).Trim());
        if (Sys.Stat(cgroup.Path, out _) < 0) return null;
        return new CgroupFigures(cgroup.Path, cgroup.MemoryBytes, cgroup.CpuMicroseconds is { } us ? us / 1e6 : null, cgroup.OomKills);
    }
}

/// <summary>One service: its process, its logger's, and what Init adds about the service as a whole.</summary>
/// <param name="Health">healthy, unhealthy or starting (no answer yet) for a service with a <c>health</c> check; null without one.</param>
public sealed record ServiceReport(
    string Name,
    string Path,
    bool NormallyUp,
    bool Oneshot,
    string[] WaitingFor,
    ProcessReport Service,
    ProcessReport? Log,
    string? Health)
{
    /// <summary>Up as Init's waits mean it: running (or an up oneshot) and ready where the service declares readiness.</summary>
    public bool Up => Service.State == "run" && (Service.Pid > 0 || Oneshot) && Service.Readiness is null or "ready";

    /// <summary>Reads the service at <paramref name="path"/>, listed as <paramref name="name"/>: never throws, a missing piece is null.</summary>
    public static ServiceReport Read(string name, string path)
    {
        string supervise = ServiceInstance.SuperviseOf(path);
        bool hasLog = Sys.Stat(System.IO.Path.Combine(path, "log"), out var st) == 0 && st.IsDirectory;
        bool oneshot = ServicePolicy.IsOneshot(path);
        return new ServiceReport(
            name,
            path,
            NormallyUp: oneshot || Sys.Stat(System.IO.Path.Combine(path, "down"), out _) < 0,
            Oneshot: oneshot,
            WaitingFor: ReadWords(System.IO.Path.Combine(supervise, SuperviseDirectory.WaitingFile)),
            Service: ReadProcess(supervise),
            // The logger's supervise directory has the service's name (runit's, or supervise@ARG), in log/.
            Log: hasLog ? ReadProcess(System.IO.Path.Combine(path, "log", System.IO.Path.GetFileName(supervise))) : null,
            Health: ReadWords(System.IO.Path.Combine(supervise, SuperviseDirectory.HealthFile)) is [var health, ..] ? health : null);
    }

    /// <summary>What keeps the service from being well, one phrase each (none: up, ready, healthy, its logger up): what `init health` prints.</summary>
    public IEnumerable<string> Problems()
    {
        if (Service.Error is { } error && !Service.Supervised) { yield return error; yield break; }
        if (!Service.Supervised) { yield return "no supervisor"; yield break; }
        if (Service.Failed) yield return "failed (its restart limit was reached)";
        else if (Service.State != "run") yield return $"{Service.State ?? "unknown"}{(Service.LastExit is { } exit ? $" (last {exit})" : "")}";
        else if (!Up) yield return $"not ready ({Service.Readiness})";
        if (Health is "unhealthy" or "starting") yield return Health == "starting" ? "health check has not passed yet" : "unhealthy";
        if (Log is { } log && (!log.Supervised || log.State != "run" || log.Pid is null)) yield return "its logger is not running";
    }

    private static ProcessReport ReadProcess(string supervise)
    {
        int probe = SuperviseClient.Probe(supervise);
        int r = SuperviseClient.ReadStatus(supervise, out var status, out _);
        string? error = r == 0 ? null : r == -1 ? "bad supervise/status" : $"supervise/status: {ErrorText.Of(r)}";
        var restart = RestartState.Read(supervise);
        var (readiness, text) = ReadReadiness(supervise, status.Pid);
        long now = Sys.RealTime().Seconds;
        long? since = r == 0 ? status.Since.UnixSeconds : null;
        return new ProcessReport(
            Supervised: probe == 0,
            State: r != 0 ? null : status.State switch { RunState.Run => "run", RunState.Finish => "finish", _ => "down" },
            Pid: r == 0 && status.Pid != 0 ? status.Pid : null,
            Since: since,
            UptimeSeconds: since is { } s ? Math.Max(0, now - s) : null,
            Want: r != 0 ? null : status.Want == 'u' ? "up" : "down",
            Paused: r == 0 && status.Paused,
            TermSent: r == 0 && status.TermSent,
            Readiness: readiness,
            StatusText: text,
            // Init's supervisors write identity at once, restart after the first exit: none yet is 0 restarts.
            Restarts: restart?.Restarts ?? (Sys.Stat(System.IO.Path.Combine(supervise, SuperviseDirectory.IdentityFile), out _) == 0 ? 0 : null),
            LastExit: restart?.LastExit,
            BackoffDelayMs: restart?.DelayMs is > 0 ? restart.DelayMs : null,
            NextStart: restart?.NextStart is { } next && next != "0.000" ? next : null,
            Failed: restart?.Failed ?? false,
            Error: error ?? (probe == ENOENT ? "no supervise/ok: never supervised" : null),
            Resources: CgroupFigures.Read(supervise));
    }

    /// <summary>supervise/readiness: the state (starting, ready, stopping) when it is the running pid's, and the STATUS= text.</summary>
    private static (string?, string?) ReadReadiness(string supervise, int pid)
    {
        Span<byte> buffer = stackalloc byte[512];
        int n = Sys.ReadFile(System.IO.Path.Combine(supervise, ServiceReadiness.File), buffer);
        if (n <= 0) return (null, null);
        var record = ReadinessRecord.Parse(Encoding.UTF8.GetString(buffer[..n]));
        return (ReadinessRecord.Word(record.Of(pid)), record.Status);
    }

    private static string[] ReadWords(string file)
    {
        Span<byte> buffer = stackalloc byte[4096];
        int n = Sys.ReadFile(file, buffer);
        return n <= 0 ? [] : Encoding.ASCII.GetString(buffer[..n]).Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
    }
}
