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
public static unsafe class Pid1Applet
{
    public const string Usage =
        "usage: init                      as PID 1: boot (stages 1, 2, 3) or, in a container, run the services\n" +
        "       init 0 | init 6           ask the running PID 1 to power off | reboot\n" +
        "       init --Mode=container [--ServiceDirectory=DIR] [--StopGraceSeconds=N]   services of a container\n" +
        "       init APPLET [ARGS...]     run an applet (see init --help)\n" +
        "settings: /etc/init/init.conf (INI), INIT_<KEY> variables, init.<key>=<value> on the kernel command line, --<Key>=<value>\n";

    public static int Run(string name, string[] args)
    {
        if (Sys.GetPid() != 1) return Start(name, args);
        try { return Start(name, args); }
        catch (Exception e)
        {
            // PID 1 must not exit (the kernel would panic): say why, then only reap, forever.
            Output.Err($"{name}: fatal: internal error: {e.GetType().Name}: {e.Message}: reaping only\n");
            while (true)
            {
                if (Sys.WaitPid(-1, out _, 0) < 0) Sys.SleepMs(1000);
            }
        }
    }

    private static int Start(string name, string[] args)
    {
        bool pid1 = Sys.GetPid() == 1;
        if (!pid1 && args is ["0"] or ["6"])
            return ShutdownApplet.Request(name, args[0] == "6" ? ShutdownKind.Reboot : ShutdownKind.Poweroff);
        if (!pid1 && name is "runit-init" or "runit")
        {
            // runit-init's own usage rule (exit 0), never container mode under these names.
            Output.Err($"usage: {name} 0|6\n");
            return 0;
        }
        if (Array.IndexOf(args, "--") >= 0)
        {
            // `init [opts] -- cmd` is the single-child container applet's, PID 1 or not.
            if (AppletTable.Find("container") is { } single) return single.Main(name, args);
            Output.Err($"{name}: fatal: `init -- command` (single-child container mode) is not part of this build\n");
            return 100;
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
        container = options.Mode == "container" || (options.Mode == "auto" && InContainer());

        var loop = new EventLoop();
        var ctx = InitContext.Create(loop, options, name);
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
        if (ctx.Options.Console && BootedByKernel()) ReopenConsole(ctx);
        // The kernel then sends SIGINT to PID 1 on ctrl-alt-del instead of rebooting at once.
        if (Sys.Reboot(RB_DISABLE_CAD) < 0) ctx.Log.Warn($"unable to disable ctrl-alt-del: {ErrorText.Of(Sys.Errno)}");
    }

    /// <summary>
    /// PID 1 of the initial PID namespace (its /proc/self/ns/pid inode is fixed, PROC_PID_INIT_INO),
    /// not of a namespace made by unshare or a container runtime, whose /dev/console is not ours.
    /// Without /proc there is no telling, and a kernel boot is the likely case.
    /// </summary>
    public static bool BootedByKernel() => Sys.Readlink("/proc/self/ns/pid") is not { } ns || ns == "pid:[4026531836]";

    public static void ReopenConsole(InitContext ctx)
    {
        if (!ctx.Options.Console || !BootedByKernel()) return;
        int fd = Sys.Open("/dev/console", O_RDWR | O_NOCTTY);
        if (fd < 0) return; // keep what the kernel gave us
        for (int i = 0; i <= 2; i++) Sys.Dup2(fd, i);
        if (fd > 2) Sys.Close(fd);
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
