using Init.Applets.Shutdown;
using Init.Boot;
using Init.Configuration;
using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Applets.Pid1;

/// <summary>
/// <c>init</c> as PID 1 (or <c>runit</c>, <c>runit-init</c>): detect the mode, set up the process
/// (console, ctrl-alt-del, /proc, settings), then run the system's stages or the container's
/// services. As PID 1 of a booted system this never returns. Not as PID 1: <c>init 0|6</c> asks
/// the running PID 1 to shut down (runit-init's protocol); <c>--Mode=container</c> runs the
/// services as a subreaper; anything else prints the usage.
/// </summary>
public static class Pid1Applet
{
    public const string Usage =
        "usage: init                      as PID 1: boot (stages 1, 2, 3) or, in a container, run the services\n" +
        "       init 0 | init 6           ask the running PID 1 to power off | reboot\n" +
        "       init --Mode=container [--ServiceDirectory=DIR] [--StopGraceSeconds=N]   services of a container\n" +
        "       init APPLET [ARGS...]     run an applet (see init --help)\n" +
        "settings: /etc/init/init.conf (INI), INIT_<KEY> variables, init.<key>=<value> on the kernel command line, --<Key>=<value>\n";

    /// <summary><c>runit-init --help</c> and <c>runit --help</c>, not as PID 1: docs/man/runit-init.md shows the same text.</summary>
    public const string Help = """
        usage: runit-init 0|6
               runit

        PID 1 (runit's runit and runit-init): boots the system with runit's stages /etc/runit/1, 2, 3
        when all three are executable, else with Init's own; not as PID 1, runit-init 0|6 asks it to stop.

          0   power off: make the stopit file executable (and the reboot file not), then SIGCONT to PID 1
          6   reboot: the same with the reboot file executable; the files are /etc/runit/stopit and
              /etc/runit/reboot, and /run/runit.stopit and /run/runit.reboot (Debian's)

        as PID 1: settings from /etc/init/init.conf, INIT_<KEY> variables, init.<key>=<value> on the
          kernel command line (see the README)
        signals to PID 1: CONT runit-init's request, INT ctrl-alt-del, TERM reboot, USR1 halt, USR2 poweroff
        exit codes (not as PID 1): 0 asked; runit-init with any other argument: its usage, 0;
          111 unable to ask; runit: 111 (must be run as process no 1)
        """;

    /// <summary>The settings PID 1 runs with, once read: what a recovery after a failure falls back on.</summary>
    private static InitOptions? s_options;

    public const string FaultVariable = "INIT_TEST_FAULT";

    public static int Run(string name, string[] args)
    {
        long started = Sys.MonotonicMs();   // the boot timeline's end of the kernel's part
        if (Sys.GetPid() != 1) return Start(name, args, started);
        try { return Start(name, args, started); }
        catch (Exception e)
        {
            // PID 1 must not exit (the kernel would panic), and must still stop the machine when asked.
            Output.Err($"{name}: fatal: internal error: {e.GetType().Name}: {e.Message}: no services; waiting for a shutdown request\n");
            return Recover(name, s_options ?? new InitOptions());
        }
    }

    /// <summary>
    /// After a failure in PID 1's own set-up: no stage 1 or 2, but ctrl-alt-del, SIGTERM/USR1/USR2
    /// and runit-init's request still lead to stage 3 and reboot(2). Only if even that cannot be
    /// set up is PID 1 left reaping, forever.
    /// </summary>
    private static int Recover(string name, InitOptions options)
    {
        try
        {
            var loop = new EventLoop();
            var ctx = InitContext.Create(loop, options, name);
            loop.OrphanReaped = (_, _) => { };
            loop.EnableSweep(options.ReapIntervalMs);
            new SystemInit(ctx, UseRunitStages(options)).StartWithoutServices();
            while (true) ctx.RunLoop();
        }
        catch (Exception e)
        {
            Output.Err($"{name}: fatal: internal error: {e.GetType().Name}: {e.Message}: reaping only\n");
            while (true)
            {
                if (Sys.WaitPid(-1, out _, 0) < 0) Sys.SleepMs(1000);
            }
        }
    }

    private static int Start(string name, string[] args, long startedMs)
    {
        bool pid1 = Sys.GetPid() == 1;
        if (!pid1 && name == "runit")
        {
            // runit's stage runner refuses outright, whatever its arguments (runit-init is the one that asks).
            Output.Err("- runit: fatal: must be run as process no 1.\n");
            return 111;
        }
        if (!pid1 && args is ["0"] or ["6"])
            return ShutdownApplet.Request(name, args[0] == "6" ? ShutdownKind.Reboot : ShutdownKind.Poweroff);
        if (!pid1 && name == "runit-init")
        {
            // runit-init's usage, word for word: the program as called, a blank line, exit 0; never container mode under this name.
            Output.Err($"usage: {Environment.GetCommandLineArgs()[0]} 0|6\n\n");
            return 0;
        }
        var warnings = new List<string>();
        string[] settings = args.Where(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains('=')).ToArray();
        foreach (string a in args.Except(settings)) warnings.Add($"ignoring argument: {a}");

        // Settings in two passes: /proc/cmdline can only be read once /proc is mounted, and
        // whether to mount it depends on the mode the first pass finds.
        var first = InitConfiguration.Load(null, null, settings, _ => { }); // warnings come from the last pass
        first = InitConfiguration.Load(first.ConfigFile, null, settings, _ => { });
        bool container = first.Mode == "container" || (first.Mode == "auto" && InContainer());
        if (!pid1 && !container)
        {
            if (first.Mode == "system") { Output.Err($"{name}: fatal: must be run as process no 1\n"); return 111; }
            Output.Err(Usage);
            return 100;
        }
        bool procMounted = false;
        if (!container && first.Mount && !Mounts.IsMounted("/proc"))
            procMounted = Mounts.MountIfMissing("/proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, null, []) is null;
        var options = InitConfiguration.Load(first.ConfigFile, container ? null : "/proc/cmdline", settings, warnings.Add);
        s_options = options;
        container = options.Mode == "container" || (options.Mode == "auto" && InContainer());

        var loop = new EventLoop();
        var ctx = InitContext.Create(loop, options, name, startedMs);
        var log = ctx.Log;
        if (procMounted) ctx.EarlyMounts.Add("/proc");
        loop.HandlerFailed = e => log.Warn("internal error: " + e.GetType().Name + ": " + e.Message);
        loop.OrphanReaped = (_, _) => { };
        loop.EnableSweep(options.ReapIntervalMs);

        if (container)
        {
            foreach (string w in warnings) log.Warn(w);
            return new ContainerInit(ctx).Run();
        }
        SetUpSystem(ctx);
        foreach (string w in warnings) log.Warn(w);
        // Fault injection for the tests of the recovery above: a failure in PID 1's own set-up.
        if (Environment.GetEnvironmentVariable(FaultVariable) == "setup") throw new InvalidOperationException($"{FaultVariable}=setup");
        var init = new SystemInit(ctx, UseRunitStages(options));
        try { init.Start(); }
        catch (Exception e) { log.Warn("internal error at start: " + e.Message); }
        while (true) ctx.RunLoop(); // never returns: PID 1 must not exit
    }

    /// <summary>What runit does first: own session, console as 0/1/2, ctrl-alt-del as SIGINT.</summary>
    private static void SetUpSystem(InitContext ctx)
    {
        Sys.SetSid();
        Sys.Chdir("/");
        SystemConsole.Reopen(ctx);
        // The kernel then sends SIGINT to PID 1 on ctrl-alt-del instead of rebooting at once.
        if (Sys.Reboot(RB_DISABLE_CAD) < 0) ctx.Log.Warn($"unable to disable ctrl-alt-del: {ErrorText.Of(Sys.Errno)}");
    }

    public static bool UseRunitStages(InitOptions options) => options.Stages switch
    {
        "runit" => true,
        "builtin" => false,
        _ => RunitFiles.IsExecutable(RunitFiles.Stage1) && RunitFiles.IsExecutable(RunitFiles.Stage2) && RunitFiles.IsExecutable(RunitFiles.Stage3),
    };

    /// <summary>Docker sets /.dockerenv, podman /run/.containerenv, systemd-nspawn and LXC the container= variable.</summary>
    public static bool InContainer() =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("container")) ||
        File.Exists("/.dockerenv") || File.Exists("/run/.containerenv");
}
