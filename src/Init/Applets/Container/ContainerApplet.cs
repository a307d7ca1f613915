using Init.Container;

namespace Init.Applets.Container;

/// <summary>
/// Container entrypoint for one child, a drop-in for tini and dumb-init:
/// <c>init [OPTIONS] -- PROGRAM [ARGS]</c>, or the binary linked as <c>tini</c> / <c>dumb-init</c>.
/// parse → configure → run the loop → the child's exit code (128+N when killed by signal N).
/// </summary>
public static class ContainerApplet
{
    public static int Run(string name, string[] args)
    {
        // Before anything registers a signal handler: what the child must get back.
        var inherited = InheritedSignals.Capture();
        // getopt's messages (and dumb-init's usage) name argv[0] as given, e.g. "/usr/bin/tini".
        string argv0 = Environment.GetCommandLineArgs()[0];
        if (Path.GetFileName(argv0) != name) argv0 = name;
        var parsed = name == "dumb-init"
            ? DumbInitCommandLine.Parse(argv0, args, Environment.GetEnvironmentVariable, AppletTable.Version)
            : TiniCommandLine.Parse(name, argv0, args, Environment.GetEnvironmentVariable, AppletTable.Version);
        if (parsed.Options is not { } options) return parsed.ExitCode;
        return new SingleChild(options, inherited).Run();
    }

    /// <summary>
    /// Whether <c>init ARGS</c> (no applet name) means container mode: ARGS start with "--" or a
    /// tini option. <c>init</c> alone (PID 1 mode), <c>-h</c>, <c>--help</c>, <c>--list</c>,
    /// <c>--version</c> stay init's own.
    /// </summary>
    public static bool Claims(string[] args)
    {
        if (args.Length == 0) return false;
        string first = args[0];
        if (first == "--" || first.StartsWith("--wait-descendants", StringComparison.Ordinal)
            || first.StartsWith("--services", StringComparison.Ordinal)) return true;
        return first.Length >= 2 && first[0] == '-' && first[1] != '-' && "spvwgle".Contains(first[1]);
    }
}
