using Init.Runtime;

namespace Init.Applets;

/// <summary>An applet: its name(s), entry point and one-line summary for <c>init --help</c>.</summary>
/// <param name="Internal">Started only by Init itself: not listed by <c>--help</c> or <c>--list</c> (so no link is made for it).</param>
/// <param name="Linked">Installed as a link of its own name (false: only `init NAME`, for a name too common for /sbin).</param>
/// <param name="Help">
/// The full help for <c>NAME --help</c> (the sole argument) under the name called, printed on stdout with exit 0;
/// null where the applet answers --help itself (the container's tini and dumb-init forms) or not under that name.
/// The texts are the applets' own constants and match docs/man/NAME.md (HelpTests).
/// </param>
public sealed record Applet(string Name, Func<string, string[], int> Main, string Summary, bool AnswersVersion = true, string[]? Aliases = null, bool Internal = false, bool Linked = true,
    Func<string, string?>? Help = null);

/// <summary>
/// The applets of the multi-call binary. Each lives in its own folder; this is the only place that
/// names them all. <c>Version</c> is generated from the project's &lt;Version&gt; (Init.csproj).
/// </summary>
public static partial class AppletTable
{
    public static readonly Applet[] All =
    [
        new("runsv", Runsv.RunsvApplet.Run, "supervise one service directory (runit's runsv)", Help: _ => Runsv.RunsvApplet.Help),
        // As PID 1 no applet answers --help or --version (Program): the kernel's command line is no question.
        new("runit-init", Pid1.Pid1Applet.Run, "PID 1 (runit's runit/runit-init); `runit-init 0|6` asks PID 1 to stop", Aliases: ["runit"],
            Help: _ => Pid1.Pid1Applet.Help),
        new("poweroff", Shutdown.ShutdownApplet.Run, "ask PID 1 to power off (runit-init protocol)", Aliases: ["reboot", "halt"], Help: _ => Shutdown.ShutdownApplet.Help),
        new("runsvdir", Runsvdir.RunsvdirApplet.Run, "start and stop a runsv for each service directory (runit's runsvdir)", Help: _ => Runsvdir.RunsvdirApplet.Help),
        // Called through a link of another name sv is that service's LSB script, whose usage errors stay runit's.
        new("sv", Sv.SvApplet.Run, "control and query services (runit's sv; LSB init script through a link)", Help: name => name == "sv" ? Sv.SvApplet.Help : null),
        new("svlogd", Svlogd.SvlogdApplet.Run, "keep a service's log lines in rotated directories (runit's svlogd)", Help: _ => Svlogd.SvlogdApplet.Help),
        new("runsvchdir", Runsvchdir.RunsvchdirApplet.Run, "switch runsvdir's services to another directory of /etc/runit/runsvdir (runit's runsvchdir)", Help: _ => Runsvchdir.RunsvchdirApplet.Help),
        new("utmpset", Utmpset.UtmpsetApplet.Run, "log a terminal line out in utmp, and with -w in wtmp (runit's utmpset)", Help: _ => Utmpset.UtmpsetApplet.Help),
        new("chpst", Chpst.ChpstApplet.Run, "run a program with a changed process state (runit's chpst)", Aliases: ["envdir", "setuidgid", "envuidgid", "pgrphack", "setlock", "softlimit"],
            Help: Chpst.Daemontools.Help),
        new("container", Container.ContainerApplet.Run, "container entrypoint for one child: init [-s -g -e CODE …] -- cmd (tini, dumb-init)", AnswersVersion: false, Aliases: ["tini", "dumb-init"]),
        new("analyze", Analyze.AnalyzeApplet.Run, "init analyze [blame | critical-chain | plot]: this boot's timeline: blame, the critical chain, an SVG picture", Linked: false,
            Help: _ => Analyze.AnalyzeApplet.Help),
        new("import", Import.ImportApplet.Run, "init import [-n] FILE DIR: a systemd unit or a supervisord program made a service directory", Linked: false,
            Help: _ => Import.ImportApplet.Help),
        new("health", Health.HealthApplet.Run, "init health [SERVICE...]: exit 0 when every service is up, ready, healthy and logging (a container's probe)", Linked: false,
            Help: _ => Health.HealthApplet.Help),
        new(ListenPid.ListenPidApplet.Name, ListenPid.ListenPidApplet.Run, "exec a program with LISTEN_PID set to its pid (a supervisor's way to ./run with held sockets)", AnswersVersion: false, Internal: true),
    ];

    public static readonly Applet Default = new("init", InitMain, "PID 1, container entrypoint, or `init APPLET ARGS`");

    public static Applet? Find(string name)
    {
        foreach (var applet in All)
            if (applet.Name == name || (applet.Aliases is { } aliases && Array.IndexOf(aliases, name) >= 0))
                return applet;
        return null;
    }

    private static int InitMain(string name, string[] args)
    {
        // `init -- cmd` / `init -s -g -- cmd`: single-child container entrypoint (tini-compatible), PID 1 or not.
        if (Container.ContainerApplet.Claims(args)) return Container.ContainerApplet.Run(name, args);
        // PID 1, `init 0|6`, settings (--Key=value) and container detection belong to the PID-1 applet.
        if (Init.Interop.Sys.GetPid() == 1 || args is ["0"] or ["6"] || (args.Length > 0 && args[0].StartsWith("--") && args[0].Contains('='))
            || (args.Length == 0 && Pid1.Pid1Applet.InContainer()))
            return Pid1.Pid1Applet.Run(name, args);
        if (args is ["--list"])
        {
            // One name per line: the links a full installation creates (used by build.cake's Publish).
            foreach (var applet in All.Where(a => !a.Internal && a.Linked))
            {
                Output.Out(applet.Name + "\n");
                foreach (var alias in applet.Aliases ?? []) Output.Out(alias + "\n");
            }
            return 0;
        }
        if (args is ["--help"] or ["-h"] or [])
        {
            Output.Out(Help());
            if (args.Length == 0) Output.Out("\n" + Pid1.Pid1Applet.Usage);
            return args.Length == 0 ? 100 : 0;
        }
        Output.Err($"init: fatal: unknown applet: {args[0]}\n{Help()}");
        return 100;
    }

    /// <summary>Prints an applet's help (written without its final newline) on stdout: exit 0.</summary>
    public static int PrintHelp(string text)
    {
        Output.Out(text + "\n");
        return 0;
    }

    public static string Help()
    {
        var text = new System.Text.StringBuilder();
        text.Append("usage: init APPLET [ARGS...]   or call the binary through a link named like the applet\n\napplets:\n");
        foreach (var applet in All.Where(a => !a.Internal))
            text.Append($"  {applet.Name,-12} {applet.Summary}\n");
        return text.ToString();
    }
}
