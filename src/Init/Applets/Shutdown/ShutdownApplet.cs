using Init.Boot;
using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Applets.Shutdown;

/// <summary>
/// <c>poweroff</c>, <c>reboot</c>, <c>halt</c> (and <c>init 0|6</c>): ask PID 1 to shut down.
/// poweroff and reboot use runit-init's protocol (stopit/reboot files, then SIGCONT), which both
/// Init and runit act on; halt has no runit-init form and sends SIGUSR1 (busybox init's halt).
/// <c>-f</c> skips PID 1 and calls reboot(2) at once, as busybox does.
/// </summary>
public static class ShutdownApplet
{
    /// <summary><c>poweroff --help</c> (and reboot's, halt's): docs/man/poweroff.md shows the same text.</summary>
    public const string Help = """
        usage: poweroff [-f]
               reboot [-f]
               halt [-f]

        Ask PID 1 to power off, reboot or halt the machine: poweroff and reboot by runit-init's protocol
        (the stopit and reboot files, then SIGCONT), which Init and runit both obey; halt by SIGUSR1.

          -f         at once: sync and reboot(2), without PID 1 (no services stopped)
          -h --help  this help

        exit codes: 0 asked (the machine stops later), 100 usage, 111 unable to ask (or -f failed)
        """;

    public static int Run(string name, string[] args)
    {
        var kind = name switch { "reboot" => ShutdownKind.Reboot, "halt" => ShutdownKind.Halt, _ => ShutdownKind.Poweroff };
        bool force = false;
        foreach (string a in args)
        {
            if (a == "-f") force = true;
            else if (a is "-h" or "--help") return AppletTable.PrintHelp(Help);
            else { Output.Err($"usage: {name} [-f]\n"); return 100; }
        }
        if (force)
        {
            Sys.Sync();
            Sys.Reboot(kind.RebootCommand());
            Output.Err($"{name}: fatal: unable to {kind.Verb()}: {ErrorText.Of(Sys.Errno)}\n");
            return 111;
        }
        return Request(name, kind);
    }

    /// <summary>Sends the request to PID 1. 0 when sent, 111 with a message when it cannot be.</summary>
    public static int Request(string name, ShutdownKind kind)
    {
        if (Sys.GetPid() == 1)
        {
            Output.Err($"{name}: fatal: this is PID 1: send a signal instead\n");
            return 111;
        }
        int signo = SIGUSR1;
        if (kind != ShutdownKind.Halt)
        {
            if (RunitFiles.WriteRequest(kind == ShutdownKind.Reboot) is { } error)
            {
                Output.Err($"{name}: fatal: {error}\n");
                return 111;
            }
            signo = SIGCONT;
        }
        if (Sys.Kill(1, signo) < 0)
        {
            Output.Err($"{name}: fatal: unable to signal init: {ErrorText.Of(Sys.Errno)}\n");
            return 111;
        }
        return 0;
    }
}
