using Init.Interop;
using Init.Runtime;
using Init.Supervision;
using static Init.Interop.Consts;

namespace Init.Applets.Runsv;

/// <summary>
/// <c>runsv dir</c>: supervise one service directory exactly as runit's runsv does, on runit's
/// on-disk protocol. Exit: 0 after <c>x</c>, 1 usage, 111 start-up failure.
/// </summary>
public static class RunsvApplet
{
    /// <summary><c>runsv --help</c>: docs/man/runsv.md shows the same text.</summary>
    public const string Help = """
        usage: runsv dir

        Supervise the service directory dir as runit's runsv: run ./run (and log/run, through a pipe),
        restart it when it exits, and obey the control bytes of supervise/control (what sv sends).

          dir   the service directory: any single argument, -dash and -- included (no options)

        control bytes: u up, d down, o once, x exit, t TERM, k KILL, p STOP, c CONT, h HUP, a ALRM,
          i INT, q QUIT, 1 USR1, 2 USR2; an executable control/<c> runs first (its exit 0: nothing more)
        signals: TERM acts as x (exit once the service is down)
        exit codes: 0 after x, 1 usage (not exactly one argument), 111 unable to start
        """;

    public static int Run(string name, string[] args)
    {
        // No options, as runit's runsv: "-dash" and "--" are directories (runsvdir passes any name).
        if (args.Length != 1)
        {
            // runit prints argv[0] as given, and a blank line ("usage: /usr/bin/runsv dir\n\n").
            Output.Err($"usage: {Environment.GetCommandLineArgs()[0]} dir\n\n");
            return 1;
        }
        string dir = args[0];
        var diag = new Diagnostics($"runsv {dir}");
        if (Sys.Stat(dir, out var st) < 0 || !st.IsDirectory)
        {
            diag.Fatal("unable to change to directory", Sys.Errno == 0 ? ENOTDIR : Sys.Errno);
            return 111;
        }
        // The services its dependencies.d names are beside it as it was named (in runsvdir's directory).
        string siblings = Path.GetDirectoryName(Path.GetFullPath(dir)) ?? "/";
        // Work from inside the directory, as runit's runsv does: a service linked into runsvdir's
        // directory keeps its supervise/ files when the link is removed (runsvdir then sends TERM).
        if (Sys.Chdir(dir) < 0)
        {
            diag.Fatal("unable to change to directory", Sys.Errno);
            return 111;
        }

        using var loop = EventLoop.Open(diag, SIGTERM);
        if (loop is null) return 111;
        // Named NAME@ARG, it is an instance: its name is all that tells it from its template's other instances.
        using var supervisor = new ServiceSupervisor(".", loop, diag, siblings, name: Path.GetFileName(Path.TrimEndingDirectorySeparator(dir)));
        int exitCode = 0;
        supervisor.Finished = loop.Stop;
        supervisor.Failed = e =>
        {
            if (e.Errno != 0) diag.Fatal(e.Message, e.Errno); else diag.Fatal(e.Message);
            exitCode = 111;
            loop.Stop();
        };
        // TERM comes to every runsv at once (runsvdir's SIGHUP, a stage 3 that signals them all): each
        // stops on its own, as in the engine's StopAll; a 'd' to a dependant already told to exit
        // would turn its exit into a down, and that runsv would never end.
        loop.OnSignal(SIGTERM, _ =>
        {
            supervisor.StoppingAll = true;
            supervisor.Exit();
        });
        loop.HandlerFailed = e => diag.Warn("internal error: " + e.Message);
        supervisor.Start();
        // runsvdir's scan interval: a log/ made later gets its logger (the engine checks at its scans).
        void NoticeLogger()
        {
            supervisor.NoticeLogger();
            loop.After(DirectoryScanner.ScanIntervalMs, NoticeLogger);
        }
        loop.After(DirectoryScanner.ScanIntervalMs, NoticeLogger);
        if (exitCode == 0) loop.Run();
        return exitCode;
    }
}
