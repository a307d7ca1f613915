using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Boot;

/// <summary>
/// The end of every shutdown: SIGTERM (and SIGCONT, so stopped processes see it) to every
/// remaining process, a bounded wait, then SIGKILL to what is left, each one named on the
/// console. As PID 1 of the system or of a PID namespace, "every process" is kill(-1); as a
/// subreaper that is not PID 1 it is our descendants only, found in /proc.
/// </summary>
public sealed class ProcessTerminator(EventLoop loop, BootLog log, long graceMs, bool everything)
{
    private const long PollMs = 50, KillWaitMs = 2000;
    private long _started;
    private bool _killed, _finished;

    /// <summary>Called once when no other process is left (or the wait after SIGKILL ran out).</summary>
    public Action? Done { get; set; }

    public void Start()
    {
        _started = loop.Now;
        var left = Remaining();
        if (left.Count == 0) { Finish(); return; }
        string names = string.Join(' ', left.Take(8).Select(p => $"{p.Pid}({p.Name})")) + (left.Count > 8 ? " ..." : "");
        log.Line($"stage 3: sending SIGTERM to {left.Count} remaining process(es): {names}");
        Signal(SIGTERM, left);
        Signal(SIGCONT, left);
        Poll();
    }

    private List<ProcessInfo> Remaining() => ProcessTable.Others(descendantsOnly: !everything);

    private void Signal(int signo, List<ProcessInfo> targets)
    {
        if (everything && Sys.GetPid() == 1) { Sys.Kill(-1, signo); return; }
        foreach (var p in targets) Sys.Kill(p.Pid, signo);
    }

    private void Poll()
    {
        if (_finished) return;
        loop.Sweep(); // reap what just died, so it is not counted as left
        var left = Remaining();
        long elapsed = loop.Now - _started;
        if (left.Count == 0) { Finish(); return; }
        if (!_killed && elapsed >= graceMs)
        {
            _killed = true;
            foreach (var p in left) log.Line($"stage 3: SIGKILL {p.Pid} ({p.Name}): still running after SIGTERM");
            Signal(SIGKILL, left);
        }
        else if (_killed && elapsed >= graceMs + KillWaitMs)
        {
            foreach (var p in left) log.Warn($"stage 3: {p.Pid} ({p.Name}) survived SIGKILL (state {p.State})");
            Finish();
            return;
        }
        loop.After(PollMs, Poll);
    }

    private void Finish()
    {
        if (_finished) return;
        _finished = true;
        Done?.Invoke();
    }
}
