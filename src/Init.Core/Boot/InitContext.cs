using Init.Configuration;
using Init.Interop;
using Init.Runtime;

namespace Init.Boot;

/// <summary>
/// What init's modes share (PID 1 of a system, the services of a container, <c>init --services</c>):
/// the loop, the console log, settings, and how to start children.
/// </summary>
public sealed class InitContext
{
    public required EventLoop Loop { get; init; }
    public required BootLog Log { get; init; }
    public required InitOptions Options { get; init; }
    public required List<string> Environment { get; init; }
    /// <summary>fd children get as stdin/stdout/stderr (the console at boot); Inherit = ours.</summary>
    public int Console { get; set; } = SpawnRequest.Inherit;
    /// <summary>This binary, for starting our own runsvdir applet by argv[0].</summary>
    public required string SelfPath { get; init; }
    /// <summary>Mounts made before the console was set up (/proc, for the kernel command line), reported in stage 1.</summary>
    public List<string> EarlyMounts { get; } = [];

    /// <summary>When this init started (CLOCK_MONOTONIC ms): the end of the kernel's part of a boot, in the timeline.</summary>
    public long StartedMs { get; init; }

    /// <summary>A context for <paramref name="options"/> on <paramref name="loop"/>, logging as <paramref name="name"/>.</summary>
    /// <param name="startedMs">When the process's Main began (default: now).</param>
    public static InitContext Create(EventLoop loop, InitOptions options, string name, long? startedMs = null) => new()
    {
        StartedMs = startedMs ?? Sys.MonotonicMs(),
        Loop = loop,
        Log = new BootLog(name),
        Options = options,
        Environment = ChildEnvironment.Build(),
        SelfPath = ResolveSelf(),
    };

    public Hooks Hooks => new(Loop, Log, Environment, Console);

    private TimelineRecorder? _timeline;
    /// <summary>The stages' times and the services' timeline directory (/run/init/timeline), passed to children as INIT_TIMELINE.</summary>
    public TimelineRecorder Timeline => _timeline ??= new TimelineRecorder(Log, Environment);

    /// <summary>Stage 2's scanner: the configured runsvdir (looked up in PATH when it has no slash), else ours.</summary>
    public Scanner NewScanner()
    {
        string program = SelfPath, argv0 = "runsvdir";
        bool search = false;
        if (!string.IsNullOrEmpty(Options.Runsvdir))
        {
            program = Options.Runsvdir;
            argv0 = Path.GetFileName(program);
            search = !program.Contains('/');
        }
        // Our runsvdir learns the Supervision setting from its environment (runit's takes no such option).
        // So do its supervisors the RestartBackoff, TimeoutKillMs, StopDependants, Cgroups and LogRing settings.
        string[] passed = [Supervision.SupervisionEngine.ModeVariable, Supervision.ServicePolicy.BackoffVariable,
            Supervision.ServicePolicy.TimeoutKillVariable, Supervision.ServicePolicy.StopDependantsVariable,
            Supervision.ServiceCgroups.Variable, Supervision.DefaultLog.Variable];
        var environment = Environment.Where(e => !passed.Any(name => e.StartsWith(name + "=", StringComparison.Ordinal)))
            .Append($"{Supervision.SupervisionEngine.ModeVariable}={Options.Supervision}")
            .Append($"{Supervision.ServicePolicy.BackoffVariable}={Options.RestartBackoff}")
            .Append($"{Supervision.ServicePolicy.TimeoutKillVariable}={Options.TimeoutKillMs}")
            .Append($"{Supervision.ServicePolicy.StopDependantsVariable}={(Options.StopDependants ? "true" : "false")}")
            .Append($"{Supervision.ServiceCgroups.Variable}={Options.Cgroups}")
            .Append($"{Supervision.DefaultLog.Variable}={Options.LogRing}").ToList();
        var hooks = new Hooks(Loop, Log, environment, Console);
        return new Scanner(Loop, Log, hooks, program, argv0, search, Options.ServiceDirectory, Options.RespawnMaxSeconds * 1000L);
    }

    /// <summary>Runs the loop forever (PID 1) or until stopped; a throwing iteration is logged and the loop goes on.</summary>
    public void RunLoop()
    {
        while (!Loop.Stopped)
        {
            try { Loop.RunOnce(); }
            catch (Exception e) { Log.Warn("internal error: " + e.GetType().Name + ": " + e.Message); }
        }
    }

    public static string ResolveSelf() =>
        Sys.Readlink("/proc/self/exe") ?? System.Environment.ProcessPath ?? "/sbin/init";
}
