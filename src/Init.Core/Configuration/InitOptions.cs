namespace Init.Configuration;

/// <summary>
/// Settings of PID 1 and container mode. Flat on purpose: the source-generated binder handles
/// flat types reliably, and every key maps to one line of init.conf, one INIT_* variable and one
/// init.KEY=VALUE on the kernel command line. The defaults boot a plain system with no file at all.
/// </summary>
public sealed class InitOptions
{
    /// <summary>The INI file read at start (a missing file is fine: the defaults boot a plain system).</summary>
    public string ConfigFile { get; set; } = "/etc/init/init.conf";

    /// <summary>auto (detect), system (booted by a kernel) or container (stage 2 only, exit on TERM).</summary>
    public string Mode { get; set; } = "auto";

    /// <summary>auto (runit's /etc/runit/1,2,3 when all present, else built in), runit or builtin.</summary>
    public string Stages { get; set; } = "auto";

    /// <summary>The directory runsvdir scans in stage 2.</summary>
    public string ServiceDirectory { get; set; } = "/etc/service";

    /// <summary>Where the built-in stages look for hook scripts 1, 2, 3 and ctrlaltdel.</summary>
    public string HookDirectory { get; set; } = "/etc/init";

    /// <summary>Seconds a service gets between <c>d</c> and <c>k</c> at shutdown (force-stop).</summary>
    public int StopGraceSeconds { get; set; } = 7;

    /// <summary>Seconds between SIGTERM and SIGKILL to the processes left after the services stopped.</summary>
    public int KillGraceSeconds { get; set; } = 3;

    /// <summary>Seconds the stage-3 hook may run before it (and its process group) is killed and the machine goes down anyway.</summary>
    public int HookTimeoutSeconds { get; set; } = 30;

    /// <summary>What ctrl-alt-del (SIGINT) does: reboot, poweroff, halt or ignore.</summary>
    public string CtrlAltDel { get; set; } = "reboot";

    /// <summary>Program run (and waited for) when the stage-1 hook fails; empty: go on to stage 2.</summary>
    public string EmergencyShell { get; set; } = "";

    /// <summary>Mount what is missing of /proc, /sys, /dev, /run, cgroup2 in stage 1 (system mode).</summary>
    public bool Mount { get; set; } = true;

    /// <summary>System mode: reopen /dev/console as fds 0, 1 and 2 (only ever when booted by the kernel, not in a PID namespace).</summary>
    public bool Console { get; set; } = true;

    /// <summary>Interval of the orphan-reaping sweep, in milliseconds.</summary>
    public int ReapIntervalMs { get; set; } = 200;

    /// <summary>Longest pause before runsvdir is respawned, in seconds (the backoff doubles from 1 s).</summary>
    public int RespawnMaxSeconds { get; set; } = 30;

    /// <summary>
    /// How our runsvdir supervises the services: <c>engine</c> (one process for all of them, the
    /// default: a fraction of the memory) or <c>process</c> (one runsv process per service, as
    /// runit: a crash takes one service's supervisor, not every one's). Passed on as INIT_SUPERVISION.
    /// </summary>
    public string Supervision { get; set; } = "engine";

    /// <summary>
    /// Restart backoff of every service's crash loop: <c>off</c> (runit: one restart a second, the
    /// default) or <c>MIN MAX RESET</c> in ms (e.g. <c>1000 60000 60000</c>); a service's
    /// <c>restart-backoff</c> file overrides it. Passed on as INIT_RESTARTBACKOFF.
    /// </summary>
    public string RestartBackoff { get; set; } = "off";

    /// <summary>
    /// Default <c>timeout-kill</c> of every service, in ms: KILL a service still running that long
    /// after its down-signal (0, the default: never, as runit). A service's file overrides it.
    /// Passed on as INIT_TIMEOUTKILLMS.
    /// </summary>
    public int TimeoutKillMs { get; set; }

    /// <summary>
    /// Whether stopping a service (<c>sv down</c>, <c>x</c>) first stops the services whose
    /// dependencies.d names it (true, the default), or only that one. Passed on as INIT_STOPDEPENDANTS.
    /// </summary>
    public bool StopDependants { get; set; } = true;

    /// <summary>
    /// How the engine finds every process of a service: <c>auto</c> (cgroup v2 where writable, the
    /// default) or <c>off</c> (the process tree). Passed on as INIT_CGROUPS.
    /// </summary>
    public string Cgroups { get; set; } = "auto";

    /// <summary>
    /// Bytes of the last lines kept per service without log/ for <c>sv log</c> (65536 by default;
    /// 0: none), or <c>off</c>: no default logger, such services inherit stdout as under runit.
    /// Passed on as INIT_LOGRING.
    /// </summary>
    public string LogRing { get; set; } = "65536";

    /// <summary>Program started as the stage-2 scanner; empty: this binary's own runsvdir applet.</summary>
    public string Runsvdir { get; set; } = "";
}
