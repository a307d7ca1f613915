using Init.Control;
using Init.Interop;
using Init.Runtime;
using Init.Supervision;
using static Init.Interop.Consts;

namespace Init.Applets.Sv;

/// <summary>
/// <c>sv [-v] [-w sec] command service...</c>: runit's sv, byte for byte in output and exit codes,
/// following runit 2.3.0 where it differs from Debian's 2.1.2 (LSB status codes, <c>sv check</c>).
/// Called through a link of another name (<c>/etc/init.d/web start</c>) it is the LSB init script
/// of that service. Plain syscalls, no event loop: sv runs in scripts' loops.
/// </summary>
public static class SvApplet
{
    /// <summary><c>sv --help</c> (as sv, not as an LSB script): docs/man/sv.md shows the same text.</summary>
    public const string Help = """
        usage: sv [-v] [-w sec] command service ...

        Control and query services supervised by runsv or runsvdir, as runit's sv (2.3.0).

          -v       wait for the command to take effect (up to 7 s), then print the service's status
          -w sec   wait up to sec seconds instead; implies -v
          -V       print the version, then the usage (exit 100)

        commands: status up down once pause cont hup alarm interrupt quit 1 2 term kill exit
          (by their first letter), and the LSB ones, which wait: start stop reload restart shutdown
          force-stop force-reload force-restart force-shutdown try-restart check
        Init's words: status --json [service ...], metrics [service ...], log service [-n N]
        service: a name under $SVDIR (default /etc/service/), or a path starting with / or .
          (or ending in /); without names, status --json and metrics read every service of $SVDIR
        environment: SVDIR, SVWAIT (the wait in seconds, default 7)
        exit codes: 0 done; 1-99 the number of services that failed (capped at 99); 100 usage or
          fatal error; called through a link of another name it is that service's LSB script:
          1 failure, 2 usage, 151 fatal, status 0 running, 3 down, 4 unknown
        """;

    public const string DefaultServiceDirectory = "/etc/service/";   // Debian's; upstream 2.3.0 uses /service/
    private const long PollMs = 420;                                   // runit's sv polls every 420 ms

    public static int Run(string name, string[] args)
    {
        bool lsb = name != "sv";
        try
        {
            return Execute(name, args, lsb);
        }
        catch (SvExit exit)
        {
            return exit.Code;
        }
    }

    private static int Execute(string progname, string[] args, bool lsb)
    {
        string serviceDirectory = Environment.GetEnvironmentVariable("SVDIR") ?? DefaultServiceDirectory;
        ulong wait = 7;
        if (Environment.GetEnvironmentVariable("SVWAIT") is { } sw) wait = Digits.Scan(sw);
        bool verbose = false;

        var options = new Getopt(progname, args, "w:vV");
        for (int c; (c = options.Next()) != -1;)
        {
            switch (c)
            {
                case 'w': wait = Digits.Scan(options.Argument); verbose = true; break; // -w implies -v (runit's switch falls through)
                case 'v': verbose = true; break;
                case 'V': Output.Err($"$Id: Init {AppletTable.Version} $\n"); throw Usage(progname, lsb);
                default: throw Usage(progname, lsb);
            }
        }
        int i = options.Index;
        if (i >= args.Length) throw Usage(progname, lsb);
        string action = args[i++];
        // LSB mode: the service is the name we were called as; the rest of the line is ignored.
        string[] services = lsb ? [progname] : args[i..];
        // Init's read-only words: `metrics` is no runit command, and `--json` is no service name.
        if (!lsb && action == "metrics") return SvReports.Run(services, serviceDirectory, json: false);
        if (!lsb && action == "log") return SvLog.Run(progname, services, serviceDirectory);
        if (!lsb && action == "status" && services is ["--json", ..]) return SvReports.Run(services[1..], serviceDirectory, json: true);
        if (services.Length == 0) throw Usage(progname, lsb);
        var command = SvCommand.Parse(action, verbose, lsb) ?? throw Usage(progname, lsb);

        var session = new SvSession(command, lsb);
        session.StartTai = session.NowTai = SvSession.TaiNow();
        long startMs = Sys.MonotonicMs();
        int curdir = Sys.Open(".", O_RDONLY | O_DIRECTORY);
        if (curdir < 0) Fatal("unable to open current directory", Sys.Errno, lsb);

        var pending = new bool[services.Length];
        for (int k = 0; k < services.Length; k++)
        {
            session.Service = services[k];
            pending[k] = Enter(session, serviceDirectory, services[k], first: true);
            if (pending[k])
            {
                int r = command.Act switch
                {
                    SvAct.Control => session.Control(command.Acts),
                    SvAct.Status => session.Status(),
                    _ => 0,
                };
                if (r == -1) pending[k] = false;
            }
            Return(curdir, lsb);
        }

        if (command.Wait)
        {
            while (true)
            {
                long elapsedMs = Sys.MonotonicMs() - startMs;
                bool done = true;
                for (int k = 0; k < services.Length; k++)
                {
                    if (!pending[k]) continue;
                    session.Service = services[k];
                    pending[k] = Enter(session, serviceDirectory, services[k], first: false);
                    if (pending[k])
                    {
                        if (session.Check(command.Acts) != 0) pending[k] = false;
                        else done = false;
                    }
                    if (pending[k] && elapsedMs / 1000.0 > wait)
                    {
                        session.Expired();
                        pending[k] = false;
                    }
                    Return(curdir, lsb);
                }
                if (done) break;
                Sys.SleepMs(PollMs);
                session.NowTai = SvSession.TaiNow();
            }
        }
        return Math.Min(session.Failures, 99);
    }

    /// <summary>
    /// chdir into the service: a bare name under SVDIR, a path starting with / or . (or, on the first
    /// pass, ending in /) as given. The wait loop's test lacks the trailing-slash case, as runit's.
    /// </summary>
    private static bool Enter(SvSession session, string serviceDirectory, string service, bool first)
    {
        bool named = first
            ? service.Length > 0 && service[0] != '/' && service[0] != '.' && service[^1] != '/'
            : service.Length == 0 || (service[0] != '/' && service[0] != '.');
        bool ok = named
            ? Sys.Chdir(serviceDirectory) == 0 && Sys.Chdir(service) == 0
            : Sys.Chdir(service) == 0;
        if (!ok) session.Fail("unable to change to service directory", Sys.Errno);
        // An instance that leads into its template keeps its state in supervise@ARG there.
        else session.Supervise = ServiceInstance.SuperviseName(Path.GetFileName(Path.TrimEndingDirectorySeparator(service)), Sys.RealDirectory("."));
        return ok;
    }

    private static void Return(int curdir, bool lsb)
    {
        if (Sys.Fchdir(curdir) < 0) Fatal("unable to change to original directory", Sys.Errno, lsb);
    }

    private static void Fatal(string message, int errno, bool lsb)
    {
        Output.Err($"fatal: {message}: {ErrorText.Of(errno)}\n");
        throw new SvExit(lsb ? 151 : 100);
    }

    private static SvExit Usage(string progname, bool lsb)
    {
        Output.Err(lsb ? $"usage: {progname} [-w sec] command\n\n" : $"usage: {progname} [-v] [-w sec] command service ...\n\n");
        return new SvExit(lsb ? 2 : 100);
    }
}
