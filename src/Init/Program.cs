using Init.Applets;
using Init.Runtime;

namespace Init;

/// <summary>
/// One native executable, many tools: the applet is the basename of argv[0] (a symlink named
/// runsv, sv, …) or the first argument (<c>init sv status web</c>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        string invokedAs = Path.GetFileName(Environment.GetCommandLineArgs()[0]);
        var applet = AppletTable.Find(invokedAs);
        if (applet is null && args.Length > 0 && AppletTable.Find(args[0]) is { } named)
        {
            applet = named;
            invokedAs = args[0];
            args = args[1..];
        }
        // A link of another name to a link named like an applet (/etc/init.d/web -> sv -> init): that
        // applet, still told the name it was called as (sv's LSB init-script mode needs "web").
        applet ??= AppletLinks.Resolve(Environment.GetCommandLineArgs()[0]);
        applet ??= AppletTable.Default;
        // PID 1 never answers and exits: the kernel would panic (init=/sbin/init --version is a boot, not a question).
        bool pid1 = Init.Interop.Sys.GetPid() == 1;
        if (args is ["--version"] && applet.AnswersVersion && !pid1)
        {
            Output.Out($"{invokedAs} (Init) {AppletTable.Version}\n");
            return 0;
        }
        // Only the sole argument --help: every other command line, usage errors included, is the replaced tool's.
        if (args is ["--help"] && !pid1 && applet.Help?.Invoke(invokedAs) is { } help) return AppletTable.PrintHelp(help);
        try
        {
            return applet.Main(invokedAs, args);
        }
        catch (Exception e)
        {
            Output.Err($"{invokedAs}: fatal: internal error: {e.GetType().Name}: {e.Message}\n");
            return 111;
        }
    }
}
