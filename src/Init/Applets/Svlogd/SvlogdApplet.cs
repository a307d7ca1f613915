using System.Text;
using Init.Logging;
using static Init.Interop.Consts;
using Init.Runtime;

namespace Init.Applets.Svlogd;

/// <summary>
/// <c>svlogd [-tttv] [-r c] [-R abc] [-l len] [-b buflen] dir …</c>: runit's logger. Reads lines
/// on stdin and keeps them in rotated log directories. Exit: 0 at EOF or after SIGTERM, 111 on
/// usage or when no log directory works.
/// </summary>
public static class SvlogdApplet
{
    private const string Usage = " [-ttv] [-r c] [-R abc] [-l len] [-b buflen] dir ...";

    /// <summary><c>svlogd --help</c>: docs/man/svlogd.md shows the same text.</summary>
    public const string Help = """
        usage: svlogd [-tttv] [-r c] [-R abc] [-l len] [-b buflen] dir ...

        Read log lines on stdin and keep them in each log directory dir, rotated, as runit's svlogd
        (current, @TAI64N.s archives; each dir's config file: s n N t ! u U p + - e E).

          -t         prefix each line with a TAI64N stamp; -tt UTC YYYY-MM-DD_HH:MM:SS.xxxxx;
                     -ttt the same with T (ISO 8601)
          -r c       replace non-printable characters with c
          -R abc     also replace the characters abc (with c, or _ without -r)
          -l len     the line length that patterns, stderr and UDP see (default 1000, at most 1 MiB)
          -b buflen  runit's buffer size (default 1024); must be greater than len
          -v         verbose
          -V         print the version, then the usage (exit 111)

        signals: HUP reopens the directories and rereads config, ALRM rotates, TERM finishes the
          line, writes what was read and exits 0
        exit codes: 0 at the end of input or after TERM, 111 usage or no log directory usable
        """;

    public static int Run(string name, string[] args)
    {
        var options = new SvlogdOptions();
        var g = new Getopt(name, args, "R:r:l:b:tvV");
        int c;
        while ((c = g.Next()) != -1)
        {
            string a = g.Argument;
            switch (c)
            {
                case 'R':
                    options.AlsoReplace = Encoding.UTF8.GetBytes(a);
                    if (options.Replacement == 0) options.Replacement = (byte)'_';
                    break;
                case 'r':
                    if (a.Length != 1) return UsageError(name);
                    options.Replacement = (byte)a[0];
                    break;
                case 'l':
                    ulong l = Digits.Scan(a);
                    options.LineMax = l == 0 ? 1000 : l;
                    break;
                case 'b':
                    ulong b = Digits.Scan(a);
                    options.BufferLength = b == 0 ? 1024 : b;
                    break;
                case 't': options.Timestamp = Math.Min(3, options.Timestamp + 1); break;
                case 'v': options.Verbose = true; break;
                case 'V': Output.Err($"$Id: svlogd (Init) {AppletTable.Version} $\n"); return UsageError(name);
                default: return UsageError(name);
            }
        }
        string[] dirs = args[g.Index..];
        // runit's limits: at least one directory; the buffer must hold a whole matched line.
        if (dirs.Length == 0 || options.BufferLength <= options.LineMax || options.LineMax > 1 << 20) return UsageError(name);

        using var loop = EventLoop.Open(new Diagnostics("svlogd"), SIGTERM, SIGALRM, SIGHUP);
        if (loop is null) return 111;
        var runner = new SvlogdRunner(options, dirs, loop);
        loop.HandlerFailed = e => Output.Err($"svlogd: warning: internal error: {e.Message}\n");
        if (!runner.Start()) return 111;
        loop.Run();
        return runner.ExitCode;
    }

    private static int UsageError(string name)
    {
        Output.Err($"usage: {CalledAs.Program(name)}{Usage}\n\n");
        return 111;
    }
}
