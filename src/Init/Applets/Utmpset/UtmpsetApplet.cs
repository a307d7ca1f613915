using System.Text;
using Init.Accounts;
using Init.Interop;
using Init.Runtime;
using Step = Init.Accounts.LoginRecordResult.Step;

namespace Init.Applets.Utmpset;

/// <summary>
/// <c>utmpset [-w] line</c>: runit 2.3.0's logout of a terminal line, for a getty's <c>./finish</c>
/// (runit, unlike sysvinit, keeps no utmp itself). The user's utmp record becomes DEAD_PROCESS;
/// with -w a logout record is appended to wtmp too. Exit: 0 done, 1 usage, 111 error.
/// </summary>
public static class UtmpsetApplet
{
    private const string Usage = " [-w] line";

    /// <summary><c>utmpset --help</c>: docs/man/utmpset.md shows the same text.</summary>
    public const string Help = """
        usage: utmpset [-w] line

        Log the terminal line out in /var/run/utmp, as runit's utmpset (2.3.0), for a getty's finish:
        the record of a user on line becomes DEAD_PROCESS.

          -w    also append a logout record for line to /var/log/wtmp
          -V    print the version, then the usage (exit 1)
          line  the terminal line, as in utmp (tty5), at most 32 bytes

        exit codes: 0 done, 1 usage, 111 error (no user logged in on line included)
        """;
    private static readonly Diagnostics Diag = new("utmpset");

    public static int Run(string name, string[] args)
    {
        bool wtmp = false;
        var g = new Getopt(name, args, "wV");
        int c;
        while ((c = g.Next()) != -1)
        {
            switch (c)
            {
                case 'w': wtmp = true; break;
                case 'V': Output.Err($"$Id: utmpset (Init) {AppletTable.Version} $\n"); return UsageError(name);
                default: return UsageError(name);
            }
        }
        if (g.Index >= args.Length) return UsageError(name);
        string line = args[g.Index];
        byte[] lineBytes = Encoding.UTF8.GetBytes(line);
        if (lineBytes.Length > UtmpRecord.LineSize) return Fatal($"unable to logout line {line} in utmp: name too long");
        long now = Sys.RealTime().Seconds;

        var utmp = LoginRecords.LogOutInUtmp(LoginRecords.Utmp, lineBytes, now);
        switch (utmp.FailedAt)
        {
            case Step.Open: return Fatal($"unable to open {LoginRecords.Utmp}", utmp.Errno);
            case Step.Lock: return Fatal($"unable to lock: {LoginRecords.Utmp}", utmp.Errno);
            case Step.NoEntry: return Warning($"unable to logout line {line} in utmp: no such entry");
            // runit says "no such entry" for a failed read or write too; we name the error.
            case Step.Io: return Warning($"unable to logout line {line} in utmp", utmp.Errno);
        }
        if (!wtmp) return 0;

        var appended = LoginRecords.AppendLogoutToWtmp(LoginRecords.Wtmp, lineBytes, now);
        return appended.FailedAt switch
        {
            Step.Done => 0,
            Step.Open => Fatal($"unable to open {LoginRecords.Wtmp}", appended.Errno),
            // runit's wording, without the colon its utmp message has.
            Step.Lock => Fatal($"unable to lock {LoginRecords.Wtmp}", appended.Errno),
            _ => Warning($"unable to logout line {line} in wtmp", appended.Errno),
        };
    }

    private static int UsageError(string name)
    {
        Output.Err($"usage: {CalledAs.Program(name)}{Usage}\n\n");
        return 1;
    }

    private static int Fatal(string message)
    {
        Diag.Fatal(message);
        return 111;
    }

    private static int Fatal(string message, int errno)
    {
        Diag.Fatal(message, errno);
        return 111;
    }

    private static int Warning(string message, int errno = 0)
    {
        Diag.Warn(message, errno);
        return 111;
    }
}
