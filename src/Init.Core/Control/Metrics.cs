using System.Globalization;
using System.Text;

namespace Init.Control;

/// <summary>
/// <c>sv metrics</c>: the services in Prometheus' text exposition format (version 0.0.4), one
/// family per metric with its HELP and TYPE, a <c>service</c> label each: what node_exporter's
/// textfile collector and a scrape both read. A value nobody knows (a runit runsv's restarts, a
/// last exit before the first) is left out rather than guessed.
/// </summary>
public static class Metrics
{
    private sealed record Family(string Name, string Type, string Help, Func<ServiceReport, double?> Value);

    private static readonly Family[] Families =
    [
        new("init_service_up", "gauge", "1 when the service is up: running (or an up oneshot) and ready where it declares readiness.",
            s => s.Up ? 1 : 0),
        new("init_service_ready", "gauge", "1 when the service declares readiness and has said it is ready (or is an up oneshot); 0 when it declares readiness and has not.",
            s => s.Service.Readiness is null ? null : s.Service.Readiness == "ready" ? 1 : 0),
        new("init_service_supervised", "gauge", "1 when a supervisor holds the service's supervise/ok.",
            s => s.Service.Supervised ? 1 : 0),
        new("init_service_want_up", "gauge", "1 when the service is wanted up.",
            s => s.Service.Want is null ? null : s.Service.Want == "up" ? 1 : 0),
        new("init_service_restarts_total", "counter", "Starts of ./run after the first, by the service's current supervisor.",
            s => s.Service.Restarts),
        new("init_service_last_exit_code", "gauge", "How ./run last ended: its exit code, or 128+N when killed by signal N.",
            s => s.Service.LastExit is { } exit && exit != "unknown" ? Supervision.RestartState.ExitCode(exit) : null),
        new("init_service_uptime_seconds", "gauge", "Seconds since the service's last state change, while it runs.",
            s => s.Service.State == "run" ? s.Service.UptimeSeconds : null),
        new("init_service_backoff_delay_seconds", "gauge", "The restart backoff's current delay.",
            s => s.Service.BackoffDelayMs is { } ms ? ms / 1000.0 : s.Service.Restarts is null ? null : 0),
        new("init_service_failed", "gauge", "1 when the service reached its restart limit and starts no more until sv up.",
            s => s.Service.Failed ? 1 : 0),
        new("init_service_healthy", "gauge", "1 when the service's health check last passed; 0 when it failed or has not passed yet; absent without a check.",
            s => s.Health is null ? null : s.Health == "healthy" ? 1 : 0),
        new("init_service_memory_bytes", "gauge", "Bytes in use by the service's cgroup (memory.current); absent without cgroups or the memory controller.",
            s => s.Service.Resources?.MemoryBytes),
        new("init_service_cpu_seconds_total", "counter", "CPU time used by the service's cgroup (cpu.stat usage_usec); absent without cgroups.",
            s => s.Service.Resources?.CpuSeconds),
        new("init_service_oom_kills_total", "counter", "Processes of the service the OOM killer ended (memory.events oom_kill); absent without the memory controller.",
            s => s.Service.Resources?.OomKills),
        new("init_service_logger_up", "gauge", "1 when the service's logger (log/) runs; absent for a service without log/.",
            s => s.Log is null ? null : s.Log.State == "run" && s.Log.Pid is > 0 ? 1 : 0),
    ];

    public static string Render(IReadOnlyList<ServiceReport> services)
    {
        var text = new StringBuilder();
        foreach (var family in Families)
        {
            text.Append("# HELP ").Append(family.Name).Append(' ').Append(family.Help).Append('\n');
            text.Append("# TYPE ").Append(family.Name).Append(' ').Append(family.Type).Append('\n');
            foreach (var service in services)
            {
                if (family.Value(service) is not { } value) continue;
                text.Append(family.Name).Append("{service=\"").Append(Escape(service.Name)).Append("\"} ")
                    .Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            }
        }
        return text.ToString();
    }

    /// <summary>A label value as the format escapes it: backslash, double quote and line feed.</summary>
    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
