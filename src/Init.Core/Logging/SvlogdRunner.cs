using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Logging;

/// <summary>
/// svlogd's main loop on the EventLoop: stdin readable → route lines → write every directory.
/// When a directory cannot take its data (disk full, a processor still busy, a failing syscall)
/// stdin is no longer watched, so the pipe fills and the service blocks: back-pressure instead
/// of loss. Paused work is retried every 3 s as runit does. Signals only set flags that are
/// acted on between chunks: HUP reopens, ALRM rotates, TERM finishes the current line and exits.
/// </summary>
public sealed class SvlogdRunner(SvlogdOptions options, string[] names, EventLoop loop)
{
    private const int RetryMs = 3000;
    private readonly List<LogDirectory> _dirs = [];
    private readonly LogReporter _report = new(options.Verbose);
    private LineRouter? _router;
    private bool _watching, _eof, _exitAsap, _rotateAsap, _reopenAsap, _finishing;
    private EventLoop.Timer? _retry, _readSoon;
    private bool _stdinIsFile;
    public int ExitCode { get; private set; }

    public bool Start()
    {
        foreach (var name in names)
            _dirs.Add(new LogDirectory(name, _report, loop) { Wake = Pump });
        if (!OpenAll()) return false;
        _router = new LineRouter(options, _dirs);
        Sys.SetNonBlocking(0, true);
        _stdinIsFile = Sys.Stat("/proc/self/fd/0", out var st) == 0 && !st.IsFifo && (st.Mode & 0xF000) is 0x8000 or 0x6000;
        loop.OnSignal(SIGTERM, _ =>
        {
            _report.Info("sigterm received.");
            _exitAsap = true;
            foreach (var dir in _dirs) dir.StopProcessing();
            Pump();
        });
        loop.OnSignal(SIGALRM, _ => { _report.Info("sigalarm received."); _rotateAsap = true; Pump(); });
        loop.OnSignal(SIGHUP, _ => { _report.Info("sighangup received."); _reopenAsap = true; Pump(); });
        ScheduleTimeouts();
        Pump();
        return true;
    }

    private bool OpenAll()
    {
        bool any = false;
        foreach (var dir in _dirs) if (dir.Open()) any = true;
        if (!any) Output.Err("svlogd: fatal: no functional log directories.\n");
        return any;
    }

    private void OnReadable()
    {
        var router = _router!;
        int n = Sys.Read(0, router.FreeSpace);
        if (n < 0 && Sys.Errno == EAGAIN) return;
        if (n < 0) _report.Warn("unable to read standard input", "stdin", Sys.Errno);
        var now = Tai64N.Now();
        if (n > 0) router.Commit(n, now, final: false);
        else { router.Commit(0, now, final: true); _eof = true; }
        Pump();
    }

    /// <summary>Makes all the progress possible now; decides whether to read more, wait, or finish.</summary>
    private void Pump()
    {
        if (_finishing && loop.Stopped) return;
        while (true)
        {
            bool drained = true;
            foreach (var dir in _dirs) if (dir.IsOpen && !dir.Drain()) drained = false;
            if (!drained)
            {
                StopReading();
                _retry ??= loop.After(RetryMs, () => { _retry = null; Pump(); });
                return;
            }
            if (_rotateAsap)
            {
                _rotateAsap = false;
                foreach (var dir in _dirs) if (dir.IsOpen) dir.RequestRotation();
                continue;
            }
            if (_reopenAsap)
            {
                _reopenAsap = false;
                foreach (var dir in _dirs) dir.Close();
                if (!OpenAll()) { ExitCode = 111; loop.Stop(); return; }
                continue;
            }
            break;
        }
        if (_eof || (_exitAsap && !_router!.MidLine)) { Finish(); return; }
        StartReading();
    }

    private void StartReading()
    {
        if (_watching) return;
        _watching = true;
        // epoll refuses regular files (stdin redirected from a file): they are always readable.
        if (_stdinIsFile) _readSoon = loop.After(0, () => { _readSoon = null; _watching = false; OnReadable(); });
        else loop.Watch(0, OnReadable);
    }

    private void StopReading()
    {
        if (!_watching) return;
        _watching = false;
        if (_readSoon is not null) { _readSoon.Cancel(); _readSoon = null; }
        else loop.Unwatch(0);
    }

    /// <summary>Waits for running processors (their exit wakes us), then closes every directory cleanly.</summary>
    private void Finish()
    {
        _finishing = true;
        StopReading();
        foreach (var dir in _dirs)
            if (!dir.ProcessorIdle())
            {
                _retry ??= loop.After(RetryMs, () => { _retry = null; Pump(); });
                return;
            }
        foreach (var dir in _dirs) dir.Close();
        loop.Stop();
    }

    /// <summary>The <c>t</c> config line: checked once a second, a non-empty current older than that rotates.</summary>
    private void ScheduleTimeouts()
    {
        loop.After(1000, () =>
        {
            long now = loop.Now;
            bool any = false;
            foreach (var dir in _dirs)
                if (dir.IsOpen && dir.RotateDue > 0 && dir.RotateDue <= now)
                {
                    dir.RequestRotation();
                    dir.RotateDue = now + (long)dir.Config.Timeout * 1000;
                    any = true;
                }
            if (any && !_finishing) Pump();
            ScheduleTimeouts();
        });
    }
}
