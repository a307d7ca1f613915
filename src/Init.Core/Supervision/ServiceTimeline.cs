using System.Text;
using Init.Interop;
using Init.Runtime;

namespace Init.Supervision;

/// <summary>
/// When one service started, became ready and stopped in this boot, and what it waited on: the
/// file <c>$INIT_TIMELINE/service/NAME</c> its supervisor writes at those moments (PID 1 points
/// INIT_TIMELINE at /run/init/timeline, a tmpfs, so there is one set of files per boot), read by
/// <c>init analyze</c>. Times are milliseconds of CLOCK_MONOTONIC, which at boot counts from the
/// kernel's start: the clock of the console's <c>init: [   3.142]</c> stamps. Written as one field a
/// line, <c>NAME VALUE</c>, times as seconds with three decimals; readers skip names they do not know.
/// Kept out of <c>supervise/</c>, so a runit service directory holds exactly runit's files there.
/// </summary>
/// <param name="Needs">The names in dependencies.d when ./run first started.</param>
/// <param name="WaitingMs">When it first waited for them (absent: never had to).</param>
/// <param name="StartMs">The first start of ./run (or a oneshot's up) in this boot.</param>
/// <param name="ReadyMs">When it was first up and ready: its start, unless it declares readiness.</param>
/// <param name="RestartMs">The latest start after the first.</param>
/// <param name="StopMs">The latest end of ./run (a oneshot: it went down); before a later <paramref name="RestartMs"/>, it runs again.</param>
public sealed record ServiceTimeline(string[] Needs, long? WaitingMs, long? StartMs, long? ReadyMs, long? RestartMs, long? StopMs)
{
    public const string Variable = "INIT_TIMELINE", DefaultDirectory = "/run/init/timeline", ServicesDirectory = "service", ScopeFile = "service-directory";
    /// <summary>Larger than any file a supervisor writes; a bigger one is not a timeline.</summary>
    public const int MaxBytes = 16384;

    /// <summary>How these files are opened to be read: a FIFO put in their place must not stall a supervisor's loop.</summary>
    public const int Unstalled = Consts.O_NONBLOCK | Consts.O_NOFOLLOW;

    public static readonly ServiceTimeline Empty = new([], null, null, null, null, null);

    /// <summary>
    /// The service directory whose services record in <paramref name="timelineDirectory"/> (PID 1 writes
    /// it beside them), or null when none is named. A runsvdir that a service starts (runit's user
    /// services) must not write over a system service's file; and a supervisor given no INIT_TIMELINE
    /// (runit's /etc/runit/2 starts runsvdir with an empty environment) finds PID 1's here.
    /// </summary>
    public static string? ScopeOf(string timelineDirectory)
    {
        Span<byte> buffer = stackalloc byte[1024];
        int n = Sys.ReadFile(Path.Combine(timelineDirectory, ScopeFile), buffer, Unstalled);
        return n <= 0 ? null : Encoding.UTF8.GetString(buffer[..n]).Split('\n')[0] is { Length: > 0 } line ? line : null;
    }

    /// <summary>Running now: started, and not stopped since its latest start.</summary>
    public bool Running => StartMs is not null && (StopMs is not { } stop || stop < (RestartMs ?? StartMs.Value));

    public string Format()
    {
        var text = new StringBuilder();
        if (Needs.Length > 0) text.Append("needs ").Append(string.Join(' ', Needs)).Append('\n');
        Field(text, "waiting", WaitingMs);
        Field(text, "start", StartMs);
        Field(text, "ready", ReadyMs);
        Field(text, "restart", RestartMs);
        Field(text, "stop", StopMs);
        return text.ToString();
    }

    private static void Field(StringBuilder text, string name, long? ms)
    {
        if (ms is { } t) text.Append(name).Append(' ').Append(Seconds(t)).Append('\n');
    }

    /// <summary>"12.345": milliseconds as the file (and the console) shows them.</summary>
    public static string Seconds(long ms) => $"{ms / 1000}.{ms % 1000:D3}";

    /// <summary>
    /// The fields of <paramref name="text"/>; each line that is not a field of the right shape is
    /// named in <paramref name="problems"/> (<c>line 2: start: not seconds: "x"</c>) and left out.
    /// </summary>
    public static ServiceTimeline Parse(string text, List<string> problems)
    {
        var timeline = Empty;
        foreach (var (number, name, value) in FieldLines.Of(text))
        {
            if (name == "needs")
            {
                timeline = timeline with { Needs = value.Split(' ', StringSplitOptions.RemoveEmptyEntries) };
                continue;
            }
            if (name is not ("waiting" or "start" or "ready" or "restart" or "stop")) continue;   // a later version's field
            if (ParseSeconds(value) is not { } ms)
            {
                problems.Add($"line {number}: {Printable.Of(name, 20)}: not seconds: \"{Printable.Of(value, 30, asciiOnly: true, more: "...")}\"");
                continue;
            }
            timeline = name switch
            {
                "waiting" => timeline with { WaitingMs = ms },
                "start" => timeline with { StartMs = ms },
                "ready" => timeline with { ReadyMs = ms },
                "restart" => timeline with { RestartMs = ms },
                _ => timeline with { StopMs = ms },
            };
        }
        return timeline;
    }

    /// <summary>"12.345" (or "12", "12.3") as milliseconds; null for anything else.</summary>
    public static long? ParseSeconds(string text)
    {
        int dot = text.IndexOf('.');
        ReadOnlySpan<char> whole = dot < 0 ? text : text.AsSpan(0, dot), fraction = dot < 0 ? "" : text.AsSpan(dot + 1);
        if (Digits.Strict(whole, 12, ulong.MaxValue) is not { } seconds) return null;
        if (dot < 0) return (long)seconds * 1000;
        if (Digits.Strict(fraction, 3, 999) is not { } part) return null;
        return (long)seconds * 1000 + (long)part * (fraction.Length switch { 1 => 100, 2 => 10, _ => 1 });
    }
}

/// <summary>What a timeline is noted from: the process's state after an event.</summary>
public readonly record struct ObservedProcess(RunState State, int Pid, Readiness Readiness)
{
    /// <summary>Up as dependants mean it: running and ready (or not declaring readiness), or an up oneshot.</summary>
    public bool Up => State == RunState.Run && (Readiness == Readiness.Ready || (Readiness == Readiness.None && Pid != 0));

    public static ObservedProcess Of(ServiceProcess process) => new(process.State, process.Pid, process.Readiness);
}

public static class ServiceTimelineNotes
{
    /// <summary>
    /// <paramref name="timeline"/> after the process went from <paramref name="was"/> to <paramref name="now"/>
    /// at <paramref name="atMs"/>, while (<paramref name="waiting"/>) it waited for its dependencies.
    /// A new pid in state run is a start (a oneshot's up, too); leaving run, or a new pid in it, a stop;
    /// up and ready for the first time, the ready. <paramref name="needs"/> is read at the first start only.
    /// </summary>
    public static ServiceTimeline After(this ServiceTimeline timeline, ObservedProcess was, ObservedProcess now, bool waiting, long atMs, Func<string[]> needs)
    {
        bool started = now.State == RunState.Run && now.Pid != 0 && now.Pid != was.Pid;
        bool stopped = was.State == RunState.Run && (now.State != RunState.Run || started);
        var t = timeline;
        if (waiting && t.StartMs is null && t.WaitingMs is null) t = t with { WaitingMs = atMs };
        if (stopped) t = t with { StopMs = atMs };
        if (started) t = t.StartMs is null ? t with { StartMs = atMs, Needs = needs() } : t with { RestartMs = atMs };
        if (now.Up && (!was.Up || started) && t.ReadyMs is null && t.StartMs is not null) t = t with { ReadyMs = atMs };
        return t;
    }
}
