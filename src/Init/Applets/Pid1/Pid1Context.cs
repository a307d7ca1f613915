using Init.Boot;
using Init.Configuration;
using Init.Interop;
using Init.Runtime;

namespace Init.Applets.Pid1;

/// <summary>What both PID-1 modes share: the loop, the console log, settings, and how to start children.</summary>
public sealed class Pid1Context
{
    public required EventLoop Loop { get; init; }
    public required BootLog Log { get; init; }
    public required InitOptions Options { get; init; }
    public required List<string> Environment { get; init; }
    /// <summary>fd children get as stdin/stdout/stderr (the console at boot); Inherit = ours.</summary>
    public int Console { get; set; } = SpawnRequest.Inherit;
    /// <summary>This binary, for starting our own applets (runsvdir) by argv[0].</summary>
    public required string SelfPath { get; init; }
    /// <summary>Whether this binary has a runsvdir applet (false until that applet is merged).</summary>
    public required bool HasRunsvdirApplet { get; init; }
    /// <summary>Mounts made before the console was set up (/proc, for the kernel command line), reported in stage 1.</summary>
    public List<string> EarlyMounts { get; } = [];

    public Hooks Hooks => new(Loop, Log, Environment, Console);

    public Scanner NewScanner()
    {
        string program, argv0;
        bool search = false;
        if (!string.IsNullOrEmpty(Options.Runsvdir))
        {
            program = Options.Runsvdir;
            argv0 = Path.GetFileName(program);
            search = !program.Contains('/');
        }
        else if (HasRunsvdirApplet)
        {
            program = SelfPath;
            argv0 = "runsvdir";
        }
        else
        {
            // Until Init's own runsvdir applet exists: whichever runsvdir PATH offers.
            program = "runsvdir";
            argv0 = "runsvdir";
            search = true;
        }
        return new Scanner(Loop, Log, Environment, Console, program, argv0, search, Options.ServiceDirectory, Options.RespawnMaxSeconds * 1000L);
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
