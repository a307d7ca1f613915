using Init.Interop;
using Init.Runtime;
using Init.Supervision;

namespace Init.Applets.ListenPid;

/// <summary>
/// <c>listen-pid PROG [ARGS]</c>, internal: sets <c>LISTEN_PID</c> to this process's pid and execs
/// PROG, which keeps the pid. A supervisor passing held sockets spawns ./run through it, because
/// systemd's protocol wants the pid of the process that reads the sockets, which posix_spawn only
/// tells once the environment is already built. Exit (only when the exec fails): 111, 100 usage.
/// </summary>
public static class ListenPidApplet
{
    public const string Name = ServiceSupervisor.ListenPidApplet;

    public static int Run(string name, string[] args)
    {
        if (args.Length == 0)
        {
            Output.Err($"usage: {name} PROG [ARGS...]\n");
            return 100;
        }
        if (Sys.SetEnvironment("LISTEN_PID", Sys.GetPid().ToString()) < 0)
        {
            Output.Err($"{name}: fatal: unable to set LISTEN_PID: {ErrorText.Of(Sys.Errno)}\n");
            return 111;
        }
        // The .NET runtime ignores SIGPIPE, and SIG_IGN survives exec: ./run must start as spawned.
        if (Sys.ResetSignals() < 0) Output.Err($"{name}: warning: unable to reset signal dispositions: {ErrorText.Of(Sys.Errno)}\n");
        Sys.ExecV(args[0], args);
        // What runsv says when ./run cannot be started, with the directory, as the engine's log mixes services.
        Output.Err($"{name}: fatal: unable to start {args[0]} in {Environment.CurrentDirectory}: {ErrorText.Of(Sys.Errno)}\n");
        return 111;
    }
}
