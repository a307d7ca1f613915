using Init.Interop;
using Init.Runtime;
using Init.Supervision;
using static Init.Interop.Consts;

namespace Init.Boot;

/// <summary>
/// Multi-service container mode: stage 2 only (runsvdir on the service directory), no mounts,
/// no console, no reboot(2). SIGTERM or SIGINT (docker stop, ctrl-c) runs a container stage 3:
/// every service gets <c>d</c>, the ones still up after the grace get <c>k</c> and are named,
/// then whatever is left is TERMed and KILLed, and Init exits 0. A service marked <c>essential</c>
/// that goes down for good (down, wanted down, after ./run exited at least once) runs the same
/// stage 3, and Init exits with that service's code (128+N for a signal).
/// </summary>
public sealed class ContainerInit(InitContext ctx)
{
    /// <summary>After the services' grace: how long leftovers get between SIGTERM and SIGKILL.</summary>
    private const long LeftoverGraceMs = 1000, EssentialPollMs = 200;

    private Scanner? _scanner;
    private bool _stopping;
    private long _started;
    private int _exitCode;

    public int ExitCode { get; private set; }

    /// <summary>Called once the container's stage 3 is over (by default: the loop stops).</summary>
    public Action? Stopped { get; set; }

    /// <summary>
    /// The services half of a container on someone else's loop: for <c>init [opts] -- cmd</c> with
    /// a service directory, start this next to the main command and call <see cref="Stop"/> when
    /// it ends (<see cref="Stopped"/> tells when the services are down).
    /// </summary>
    public static ContainerInit Create(EventLoop loop, Configuration.InitOptions options, string name = "init") =>
        new(InitContext.Create(loop, options, name));

    /// <summary>Starts the scanner on the service directory (no signals registered, no loop run).</summary>
    public void StartServices()
    {
        _started = ctx.Loop.Now;
        ctx.Timeline.Begin("container", ctx.StartedMs);
        ctx.Timeline.Stage2();
        ctx.Timeline.Open(byDefault: false, ctx.Options.ServiceDirectory);   // its /run may be the host's (unshare): only with INIT_TIMELINE
        ctx.Log.Line($"container: services in {ctx.Options.ServiceDirectory}");
        _scanner = ctx.NewScanner();
        _scanner.Start();
        ctx.Loop.After(EssentialPollMs, WatchEssentials);
    }

    private const long EssentialRescanMs = 5000;
    private List<(string Name, string Path, string Supervise)> _essentials = [];
    private long _nextRescan;

    /// <summary>
    /// The essential services' status, polled while there are any (the directory is looked at
    /// again every 5 s, as runsvdir does): one down for good ends the container with its code.
    /// </summary>
    private void WatchEssentials()
    {
        if (_stopping) return;
        if (ctx.Loop.Now >= _nextRescan)
        {
            _nextRescan = ctx.Loop.Now + EssentialRescanMs;
            _essentials = ServiceStopper.Discover(ctx.Options.ServiceDirectory)
                .Where(s => !s.Name.EndsWith("/log", StringComparison.Ordinal) && Sys.Stat(Path.Combine(s.Path, "essential"), out _) == 0).ToList();
        }
        foreach (var (name, path, supervise) in _essentials)
        {
            if (SuperviseClient.ReadStatus(supervise, out var status, out _) != 0 || status is not { State: RunState.Down, Pid: 0, Want: 'd' }) continue;
            // Never ran (no last exit): a service that starts down is not down for good.
            if (RestartState.Read(supervise)?.LastExit is not { } exit) continue;
            _exitCode = RestartState.ExitCode(exit);
            Stop($"essential service {name} is down for good ({exit})");
            return;
        }
        ctx.Loop.After(_essentials.Count > 0 ? EssentialPollMs : _nextRescan - ctx.Loop.Now, WatchEssentials);
    }

    /// <summary>Runs until the container is told to stop; returns the exit code (0 after a clean stage 3).</summary>
    public int Run()
    {
        if (Sys.GetPid() != 1 && Sys.Prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
            ctx.Log.Warn($"unable to become a subreaper: {ErrorText.Of(Sys.Errno)}");
        ctx.Loop.OnSignal(SIGTERM, _ => Stop("SIGTERM"));
        ctx.Loop.OnSignal(SIGINT, _ => Stop("SIGINT"));
        Pid1Signals.IgnoreTheRest(ctx.Loop);
        ctx.Loop.OnSignal(SIGCONT, _ => { });
        ctx.Loop.OnSignal(SIGUSR1, _ => { });
        ctx.Loop.OnSignal(SIGUSR2, _ => { });
        Stopped ??= ctx.Loop.Stop;
        StartServices();
        ctx.RunLoop();
        return ExitCode;
    }

    /// <summary>Container stage 3: services down (d, k after the grace), leftovers TERMed then KILLed.</summary>
    public void Stop(string reason)
    {
        if (_stopping) { ctx.Log.Line($"container: {reason}: already stopping"); return; }
        _stopping = true;
        ctx.Timeline.Stage3();
        ctx.Log.Line($"container: stage 3 ({reason})");
        _scanner?.Stop();
        var stopper = new ServiceStopper(ctx.Loop, ctx.Log, ctx.Options.ServiceDirectory, ctx.Options.StopGraceSeconds * 1000L);
        stopper.Done = killed =>
        {
            var terminator = new ProcessTerminator(ctx.Loop, ctx.Log, LeftoverGraceMs, everything: Sys.GetPid() == 1);
            terminator.Done = () =>
            {
                ctx.Loop.Sweep();
                ctx.Log.Line($"container: stopped ({(ctx.Loop.Now - _started) / 1000.0:0.000}s after start){(killed.Count > 0 ? ", killed: " + string.Join(' ', killed) : "")}");
                ExitCode = _exitCode;
                Stopped?.Invoke();
            };
            terminator.Start();
        };
        stopper.Start();
    }
}
