using Init.Interop;
using Init.Runtime;

namespace Init.Container;

/// <summary>tini's usage and license texts (Debian's tini 0.19.0 word for word, plus Init's option).</summary>
public static class TiniText
{
    public static void Usage(string name, int fd) => Output.Write(fd,
        $"{name} (tini version 0.19.0)\n" +
        $"Usage: {name} [OPTIONS] PROGRAM -- [ARGS] | --version\n\n" +
        $"Execute a program under the supervision of a valid init process ({name})\n\n" +
        "Command line options:\n\n" +
        "  --version: Show version and exit.\n" +
        "  -h: Show this help message and exit.\n" +
        "  -s: Register as a process subreaper (requires Linux >= 3.4).\n" +
        "  -p SIGNAL: Trigger SIGNAL when parent dies, e.g. \"-p SIGKILL\".\n" +
        "  -v: Generate more verbose output. Repeat up to 3 times.\n" +
        "  -w: Print a warning when processes are getting reaped.\n" +
        "  -g: Send signals to the child's process group.\n" +
        "  -e EXIT_CODE: Remap EXIT_CODE (from 0 to 255) to 0.\n" +
        "  -l: Show license and exit.\n" +
        "  --wait-descendants SECONDS: When PROGRAM exits, TERM the remaining descendants, wait up to SECONDS, then KILL (Init).\n" +
        "  --services DIR: Also supervise the services in DIR (runsvdir); stop them when PROGRAM exits (Init).\n" +
        "\n" +
        "Environment variables:\n\n" +
        "  TINI_SUBREAPER: Register as a process subreaper (requires Linux >= 3.4).\n" +
        "  TINI_VERBOSITY: Set the verbosity level (default: 1).\n" +
        "  TINI_KILL_PROCESS_GROUP: Send signals to the child's process group.\n" +
        $"  {Grace.Variable}: As --wait-descendants (Init).\n" +
        $"  {TiniCommandLine.ServicesVariable}: As --services (Init).\n" +
        "\n");

    public const string License =
        "Init: a PID 1 init, runit-compatible supervision suite and container entrypoint.\n" +
        "Its tini mode reimplements the behaviour of tini (Copyright (c) 2015 Thomas Orozco, MIT license);\n" +
        "no tini code is included. See Init's README and repository for Init's own license.\n";

    /// <summary>tini's reaper warning, three lines, printed when neither PID 1 nor a subreaper.</summary>
    public const string ReaperWarning =
        "Tini is not running as PID 1 and isn't registered as a child subreaper.\n" +
        "Zombie processes will not be re-parented to Tini, so zombie reaping won't work.\n" +
        "To fix the problem, use the -s option or set the environment variable TINI_SUBREAPER to register Tini as a child subreaper, or run Tini as PID 1.";
}

/// <summary>
/// tini's message shapes: "[WARN  tini (PID)] …" on stderr (verbosity ≥ 1), INFO/DEBUG/TRACE on
/// stdout (≥ 2, 3, 4), FATAL always. The word "tini" stays whatever the link is called: scripts grep for it.
/// </summary>
public sealed class TiniLog(int verbosity)
{
    public static void Fatal(string message) => Output.Err($"[FATAL tini ({Sys.GetPid()})] {message}\n");
    public void Warn(string message) { if (verbosity > 0) Output.Err($"[WARN  tini ({Sys.GetPid()})] {message}\n"); }
    public void Info(string message) { if (verbosity > 1) Output.Out($"[INFO  tini ({Sys.GetPid()})] {message}\n"); }
    public void Debug(string message) { if (verbosity > 2) Output.Out($"[DEBUG tini ({Sys.GetPid()})] {message}\n"); }
    public void Trace(string message) { if (verbosity > 3) Output.Out($"[TRACE tini ({Sys.GetPid()})] {message}\n"); }
    // A line's text (a string, often strsignal or a pid formatted) is built only when it is printed.
    public bool InfoEnabled => verbosity > 1;
    public bool DebugEnabled => verbosity > 2;
    public bool TraceEnabled => verbosity > 3;
}
