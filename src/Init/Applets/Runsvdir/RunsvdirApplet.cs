using Init.Interop;
using Init.Runtime;
using Init.Supervision;
using static Init.Interop.Consts;

namespace Init.Applets.Runsvdir;

/// <summary>
/// <c>runsvdir [-P] dir [log]</c>: supervises every service directory in <c>dir</c> as runit's
/// runsvdir does, plus an immediate rescan on inotify events. Two ways, chosen by the environment
/// variable <c>INIT_SUPERVISION</c> (PID 1 passes its <c>Supervision</c> setting on):
/// <list type="bullet">
/// <item><c>engine</c> (the default): one process supervises every service (<see cref="SupervisionEngine"/>),
/// each with its own supervise/ exactly as runsv keeps it. SIGTERM and SIGHUP stop every service
/// (as <c>x</c>) and exit once they are down: there is no runsv left to carry on.</item>
/// <item><c>process</c>: one runsv process per service, as runit. runsv is this same executable
/// started as "runsv" (see <see cref="RunsvProgram"/>), never a runsv found in PATH, so a mixed
/// install cannot pick runit's by accident. SIGTERM exits at once, leaving the runsv processes.</item>
/// </list>
/// <c>INIT_RESTARTBACKOFF</c> (PID 1's <c>RestartBackoff</c> setting: <c>off</c> or <c>MIN MAX RESET</c>)
/// is every service's crash-loop backoff, in both ways (runsv reads it too).
/// Exit: 0 on SIGTERM, 111 on SIGHUP, 1 usage.
/// </summary>
public static class RunsvdirApplet
{
    /// <summary><c>runsvdir --help</c>: docs/man/runsvdir.md shows the same text.</summary>
    public const string Help = """
        usage: runsvdir [-P] dir [log]

        Supervise every service directory in dir, as runit's runsvdir: rescanned at once on changes
        (inotify) and every 5 s; the service of a directory removed is told x.

          -P    a runsv per service: each in a session of its own (setsid); only as the first argument
          --    end of options, only as the first argument (any other -x is the directory)
          dir   the directory of services (names starting with a dot are skipped)
          log   seven characters or more: replaced in runsvdir's arguments, which ps shows, by what
                the supervisors and services write to stderr (runit's readproctitle log)

        environment: INIT_SUPERVISION=engine (the default: one process supervises every service) or
          process (a runsv per service); INIT_RESTARTBACKOFF, INIT_TIMEOUTKILLMS, INIT_STOPDEPENDANTS,
          INIT_CGROUPS, INIT_LOGRING (PID 1's settings, passed on; see the README)
        signals: TERM exits 0 at once, the services stay supervised (the engine hands over to a
          successor); HUP stops every service and exits 111
        exit codes: 0 after TERM, 1 usage, 111 after HUP or unable to start
        """;

    private const string SelfExe = "/proc/self/exe";
    private const long LogTickMs = 900_000;   // runit writes "." every 900 s so old messages scroll away

    public static int Run(string name, string[] args)
    {
        int i = 0;
        bool newSession = false;
        // As runit: only the first argument may be an option, "-P" or "--"; other "-x" are the directory.
        if (args.Length > 0 && args[0].Length > 1 && args[0][0] == '-' && args[0][1] is 'P' or '-')
        {
            newSession = args[0][1] == 'P';
            i = 1;
        }
        if (i >= args.Length)
        {
            // runit prints argv[0] as given, and a blank line.
            Output.Err($"usage: {Environment.GetCommandLineArgs()[0]} [-P] dir\n\n");
            return 1;
        }
        string directory = args[i];
        string? logArgument = i + 1 < args.Length ? args[i + 1] : null;
        var diag = new Diagnostics($"runsvdir {directory}");
        void Warn(string m1, string m2, int errno) => diag.Warn(m1 + m2, errno);
        string mode = Environment.GetEnvironmentVariable(SupervisionEngine.ModeVariable) is { Length: > 0 } m ? m : "engine";
        if (mode is not ("engine" or "process" or Handover.SuccessorMode))
        {
            diag.Warn($"unknown {SupervisionEngine.ModeVariable}={mode}: using engine");
            mode = "engine";
        }

        // A few descriptors per service: thousands of services need more than the usual 1024 (and
        // the loop's own need them too, so raised before it is made).
        if (mode != "process" && !FdLimit.Raise()) diag.Warn("unable to raise the open file limit", Sys.Errno);
        using var loop = EventLoop.Open(diag, SIGTERM, SIGHUP);
        if (loop is null) return 111;
        int exitCode = 0;
        loop.HandlerFailed = e => diag.Warn("internal error: " + e.Message);
        // A successor of an engine with a readproctitle log needs a stderr that outlives us.
        int stderr = logArgument is not null && mode == "engine" ? Sys.Dup(2) : 2;
        if (logArgument is not null && !SetUpLog(loop, logArgument, args.Length - i - 2, diag)) diag.Warn("log service disabled.");
        if (mode == "process") RunProcesses(loop, directory, newSession, Warn, code => exitCode = code);
        else EngineMode.Run(loop, directory, mode == Handover.SuccessorMode, stderr, Warn, diag, code => exitCode = code);
        return exitCode;
    }

    private static void RunProcesses(EventLoop loop, string directory, bool newSession, Action<string, string, int> warn, Action<int> exit)
    {
        using var set = new RunsvSet(loop, directory, RunsvProgram(), newSession, warn);
        loop.OnSignal(SIGTERM, _ => { exit(0); loop.Stop(); });
        loop.OnSignal(SIGHUP, _ => { set.TerminateAll(); exit(111); loop.Stop(); });
        // Orphans handed to us (we are no subreaper, but a runsv's child may be re-parented in odd set-ups).
        loop.EnableSweep(DirectoryScanner.ScanIntervalMs);
        set.Scan();
        loop.Run();
    }

    /// <summary>
    /// Our own binary: the "runsv" link beside the path we were called by when it is the same file
    /// (ps and pgrep then show the name runsv), else /proc/self/exe (always us, even after an upgrade
    /// replaced the file on disk).
    /// </summary>
    private static string RunsvProgram()
    {
        string argv0 = Environment.GetCommandLineArgs()[0];
        if (argv0.Contains('/') && Sys.Stat(SelfExe, out var self) == 0)
        {
            string sibling = Path.Combine(Path.GetDirectoryName(argv0) ?? ".", "runsv");
            if (Sys.Stat(sibling, out var st) == 0 && st.Device == self.Device && st.Inode == self.Inode)
                return Path.GetFullPath(sibling);
        }
        return SelfExe;
    }

    /// <summary>runit's setup_log: a non-blocking pipe on our fd 2 (children inherit it), its bytes shown in our argv.</summary>
    private static bool SetUpLog(EventLoop loop, string argument, int argumentsAfter, Diagnostics diag)
    {
        if (argument.Length < 7)
        {
            diag.Warn("log must have at least seven characters.");
            return false;
        }
        if (Sys.Pipe(out int readEnd, out int writeEnd, nonBlocking: true) < 0)
        {
            diag.Warn("unable to create pipe for log.");
            return false;
        }
        if (Sys.Dup2(writeEnd, 2) < 0)
        {
            diag.Warn("unable to set filedescriptor for log.");
            return false;
        }
        var title = ProcTitle.Locate(argument, argumentsAfter);
        if (title is null) diag.Warn("unable to find the log argument in the process's argument memory; log not shown");
        loop.Watch(readEnd, () =>
        {
            Span<byte> buffer = stackalloc byte[512];
            int n;
            while ((n = Sys.Read(readEnd, buffer)) > 0) title?.Append(buffer[..n]);
        });
        void Tick()
        {
            Sys.Write(writeEnd, "."u8);
            loop.After(LogTickMs, Tick);
        }
        loop.After(LogTickMs, Tick);
        return true;
    }
}
