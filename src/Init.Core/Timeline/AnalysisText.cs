using System.Text;
using Init.Runtime;
using Init.Supervision;

namespace Init.Timeline;

/// <summary>
/// <c>init analyze</c>'s text: how long the boot took and in which parts, the services in blame
/// order with their start and ready times, and the critical chain drawn as systemd-analyze draws it.
/// Service names are shown as <see cref="Printable"/> text: a directory name can hold anything.
/// </summary>
public static class AnalysisText
{
    public static string Summary(BootAnalysis boot)
    {
        var text = new StringBuilder();
        var stages = boot.Stages;
        long origin = boot.OriginMs;
        if (boot.FinishedMs is not { } finished)
        {
            var waiting = boot.NotReady;
            text.Append($"boot: not finished: {waiting.Count} service(s) not ready yet: {string.Join(' ', waiting.Select(s => Name(s.Name)))}\n");
        }
        else if (stages is { Mode: "system", InitMs: { } init, Stage2Ms: { } stage2 })
            text.Append($"boot: {TimeText.Span(finished)} = kernel {TimeText.Span(init)} + stage 1 {TimeText.Span(stage2 - init)} + services {TimeText.Span(finished - stage2)} (the last ready: {Name(boot.Last!.Name)})\n");
        else if (stages is { Stage2Ms: { } start })
            text.Append($"services: all ready {TimeText.Span(finished - origin)} after init started, {TimeText.Span(finished - start)} after stage 2 (the last: {Name(boot.Last!.Name)})\n");
        else
            text.Append($"services: all ready {TimeText.Span(finished - origin)} after the first start (the last: {Name(boot.Last!.Name)}); no stage times: PID 1 is not Init, or recorded none\n");
        text.Append("times: @ seconds since ").Append(Origin(boot)).Append(", + how long\n");
        return text.ToString();
    }

    /// <summary>One line a service, slowest to become ready first: start, ready, and what else happened.</summary>
    public static string Blame(BootAnalysis boot)
    {
        var rows = boot.Blame;
        int width = Math.Max(7, rows.Count == 0 ? 0 : rows.Max(s => Name(s.Name).Length));
        int at = Math.Max(10, rows.Count == 0 ? 0 : rows.Max(s => Math.Max(At(boot, s.Times.StartMs).Length, At(boot, s.Times.ReadyMs).Length)));
        var text = new StringBuilder("blame (start to ready, slowest first):\n");
        text.Append($"  {"took",9}  {"service".PadRight(width)}  {"start".PadLeft(at)}  {"ready".PadLeft(at)}\n");
        foreach (var s in rows)
        {
            string took = s.TookMs is { } t ? TimeText.Span(t) : "-";
            string line = $"  {took,9}  {Name(s.Name).PadRight(width)}  {At(boot, s.Times.StartMs).PadLeft(at)}  {At(boot, s.Times.ReadyMs).PadLeft(at)}";
            string notes = string.Join("; ", Notes(boot, s));
            text.Append((notes.Length > 0 ? line + "  " + notes : line.TrimEnd()) + "\n");
        }
        return text.ToString();
    }

    private static IEnumerable<string> Notes(BootAnalysis boot, ServiceEntry s)
    {
        var t = s.Times;
        if (!s.Recorded) { yield return s.NormallyUp ? "no timeline (not started since boot, or not by Init's supervisor)" : "not started (normally down)"; yield break; }
        if (s.WaitedMs is { } waited) yield return $"waited {TimeText.Span(waited)} for {string.Join(' ', t.Needs.Select(Name))}";
        if (t.StartMs is null) yield return "waiting, not started";
        else if (t.ReadyMs is null) yield return "not ready yet";
        if (!s.NormallyUp) yield return "normally down";
        if (t.RestartMs is { } restart) yield return $"restarted {At(boot, restart)}";
        if (t.StopMs is { } stop) yield return t.Running ? $"stopped {At(boot, stop)}, running again" : $"stopped {At(boot, stop)}";
    }

    /// <summary>systemd-analyze critical-chain's tree: the target, then each service that held the one above it back.</summary>
    public static string Chain(BootAnalysis boot, ServiceEntry target)
    {
        var chain = boot.CriticalChain(target);
        var text = new StringBuilder();
        for (int i = 0; i < chain.Count; i++)
        {
            var s = chain[i];
            text.Append(Indent(i)).Append(Name(s.Name));
            if (s.Times.StartMs is { } start) text.Append(' ').Append(At(boot, start));
            if (s.TookMs is { } took && took > 0) text.Append(" +").Append(TimeText.Span(took));
            else if (s.Times.ReadyMs is null) text.Append(" (not ready)");
            text.Append('\n');
        }
        // What the last of the chain waited for: stage 2's start of the services.
        if (boot.Stages?.Stage2Ms is { } stage2 && chain[^1].Times.StartMs is not null)
            text.Append(Indent(chain.Count)).Append("stage 2 ").Append(At(boot, stage2)).Append('\n');
        return text.ToString();
    }

    /// <summary>The summary, the blame list and the critical chain of the service ready last: what `init analyze` prints.</summary>
    public static string Report(BootAnalysis boot)
    {
        var text = new StringBuilder(Summary(boot)).Append('\n').Append(Blame(boot));
        if (boot.Last is { } last)
            text.Append($"\ncritical chain (what {Name(last.Name)}, ready last, waited for; @ started, + until ready):\n").Append(Chain(boot, last));
        return text.ToString();
    }

    /// <summary>What "@0" is: the kernel's start, a container's init, or the first service's start (see <see cref="BootAnalysis.OriginMs"/>).</summary>
    public static string Origin(BootAnalysis boot) => boot.Stages switch
    {
        { Mode: "container" } => "init started",
        null => "the first service was started",
        _ => "the kernel started (CLOCK_MONOTONIC: the console's clock)",
    };

    private static string Indent(int depth) => depth == 0 ? "" : new string(' ', 2 * (depth - 1)) + "└─";

    private static string At(BootAnalysis boot, long? ms) => ms is { } t ? TimeText.At(t - boot.OriginMs) : "-";

    public static string Name(string name) => Printable.Of(name, 64, more: "...");
}
