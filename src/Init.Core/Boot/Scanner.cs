using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Boot;

/// <summary>
/// Stage 2's runsvdir: started on the service directory and respawned when it dies, after a
/// pause that doubles from 1 s up to a cap (and starts again at 1 s after 10 s of good health),
/// so a broken scanner never becomes a busy loop.
/// </summary>
public sealed class Scanner(EventLoop loop, BootLog log, Hooks hooks, string program, string argv0, bool searchPath, string serviceDirectory, long maxBackoffMs)
{
    private const long HealthyMs = 10_000;
    private long _backoffMs = 1000, _startedAt;
    private bool _stopped;
    private EventLoop.Timer? _respawn;

    public int Pid { get; private set; }

    /// <summary>Starts runsvdir and watches it; when it cannot start, tries again after the back-off.</summary>
    public void Start()
    {
        if (_stopped) return;
        int rc = Spawner.Spawn(hooks.Request(program, [argv0, "-P", serviceDirectory], searchPath), out int pid);
        if (rc != 0)
        {
            log.Warn($"stage 2: unable to start {argv0}: {ErrorText.Of(rc)}");
            ScheduleRespawn();
            return;
        }
        Pid = pid;
        _startedAt = loop.Now;
        log.Line($"stage 2: {argv0} {serviceDirectory} started (pid {pid})");
        loop.WatchChild(pid, OnExit);
    }

    private void OnExit(int status)
    {
        Pid = 0;
        if (_stopped) return;
        if (loop.Now - _startedAt >= HealthyMs) _backoffMs = 1000;
        log.Warn($"stage 2: {argv0} ended ({WaitStatus.Describe(status)}): restarting in {_backoffMs / 1000.0:0.#}s");
        ScheduleRespawn();
    }

    private void ScheduleRespawn()
    {
        long wait = _backoffMs;
        _backoffMs = Math.Min(_backoffMs * 2, maxBackoffMs);
        _respawn = loop.After(wait, Start);
    }

    /// <summary>No more respawns; SIGTERM makes runsvdir exit at once, leaving its runsv processes to the shutdown.</summary>
    public void Stop()
    {
        _stopped = true;
        _respawn?.Cancel();
        if (Pid > 0) Sys.Kill(Pid, SIGTERM);
    }
}
