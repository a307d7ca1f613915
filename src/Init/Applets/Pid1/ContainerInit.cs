using Init.Boot;
using Init.Interop;
using static Init.Interop.Consts;

namespace Init.Applets.Pid1;

/// <summary>
/// Multi-service container mode: stage 2 only (runsvdir on the service directory), no mounts,
/// no console, no reboot(2). SIGTERM or SIGINT (docker stop, ctrl-c) runs a container stage 3:
/// every service gets <c>d</c>, the ones still up after the grace get <c>k</c> and are named,
/// then whatever is left is TERMed and KILLed, and Init exits 0.
/// </summary>
public sealed class ContainerInit(Pid1Context ctx)
{
    /// <summary>After the services' grace: how long leftovers get between SIGTERM and SIGKILL.</summary>
    private const long LeftoverGraceMs = 1000;

    private Scanner? _scanner;
    private bool _stopping;
    private long _started;

    public int ExitCode { get; private set; }

    /// <summary>Runs until the container is told to stop; returns the exit code (0 after a clean stage 3).</summary>
    public int Run()
    {
        _started = ctx.Loop.Now;
        if (Sys.GetPid() != 1 && Sys.Prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
            ctx.Log.Warn($"unable to become a subreaper: {ErrorText.Of(Sys.Errno)}");
        ctx.Loop.OnSignal(SIGTERM, _ => Stop("SIGTERM"));
        ctx.Loop.OnSignal(SIGINT, _ => Stop("SIGINT"));
        Pid1Signals.IgnoreTheRest(ctx.Loop);
        ctx.Loop.OnSignal(SIGCONT, _ => { });
        ctx.Loop.OnSignal(SIGUSR1, _ => { });
        ctx.Loop.OnSignal(SIGUSR2, _ => { });
        ctx.Log.Line($"container: services in {ctx.Options.ServiceDirectory}");
        _scanner = ctx.NewScanner();
        _scanner.Start();
        ctx.RunLoop();
        return ExitCode;
    }

    public void Stop(string reason)
    {
        if (_stopping) { ctx.Log.Line($"container: {reason}: already stopping"); return; }
        _stopping = true;
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
                ExitCode = 0;
                ctx.Loop.Stop();
            };
            terminator.Start();
        };
        stopper.Start();
    }
}
