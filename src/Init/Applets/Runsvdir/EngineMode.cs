using Init.Interop;
using Init.Runtime;
using Init.Supervision;
using static Init.Interop.Consts;

namespace Init.Applets.Runsvdir;

/// <summary>
/// runsvdir as the engine: every service supervised by this process. SIGTERM hands every
/// supervisor to a successor and exits 0 at once (runit's runsvdir leaves its runsv processes
/// running, and stage 3 stops the services through them); SIGHUP stops every service, as runit's
/// TERM to each runsv, and exits 111 once they are down. The successor (started by that hand-over)
/// carries on until each service has been told <c>x</c>; TERM or HUP to it is <c>x</c> to all.
/// </summary>
public static class EngineMode
{
    public static void Run(EventLoop loop, string directory, bool successor, int stderr, Action<string, string, int> warn, Diagnostics diag, Action<int> exit)
    {
        using var engine = new SupervisionEngine(loop, directory, warn);
        engine.Stopped = loop.Stop;
        void StopAll(int code)
        {
            exit(code);
            engine.StopAll();
        }
        loop.OnSignal(SIGHUP, _ => StopAll(111));
        if (successor)
        {
            loop.OnSignal(SIGTERM, _ => StopAll(0));
            // Handled from here on: what was sent while the runtime started is delivered now.
            Sys.ChangeSignalMask(Handover.HeldSignals.Bits, block: false);
            if (!int.TryParse(Environment.GetEnvironmentVariable(Handover.Variable), out int memfd))
            {
                diag.Fatal($"{Handover.Variable} is not set: nothing to take over");
                exit(111);
                return;
            }
            // What made us a successor is not the services' business: they see the engine's environment.
            Sys.SetEnvironment(Handover.Variable, null);
            Sys.SetEnvironment(SupervisionEngine.ModeVariable, "engine");
            engine.Resume(Handover.Read(memfd));
        }
        else
        {
            loop.OnSignal(SIGTERM, _ => HandOver(loop, engine, directory, stderr, diag, StopAll));
            engine.Scan();
        }
        loop.Run();
    }

    private static void HandOver(EventLoop loop, SupervisionEngine engine, string directory, int stderr, Diagnostics diag, Action<int> stopAll)
    {
        var supervisors = engine.HandOver();
        if (supervisors.Count > 0)
        {
            int rc = Handover.StartSuccessor(directory, supervisors, stderr);
            if (rc != 0)
            {
                // Nobody to carry on: stop the services here rather than leave them unsupervised.
                diag.Warn("unable to start a successor to hand the services over to; stopping them", rc);
                stopAll(0);
                return;
            }
        }
        loop.Stop();
    }
}
