using Init.Runtime;

namespace Init.Applets.Chpst;

/// <summary>
/// The daemontools names chpst answers to. Each parses its own arguments into
/// <see cref="ChpstOptions"/> and returns the index of the program, or -1 after usage (exit 100).
/// </summary>
public static class Daemontools
{
    /// <summary>The help of chpst under the name called (a leading 'd' stripped, as <see cref="ChpstApplet.Run"/> does); docs/man/NAME.md shows each.</summary>
    public static string? Help(string name) => (name.StartsWith('d') ? name[1..] : name) switch
    {
        "chpst" => ChpstApplet.Help,
        "envdir" => EnvdirHelp,
        "setuidgid" => SetuidgidHelp,
        "envuidgid" => EnvuidgidHelp,
        "pgrphack" => PgrphackHelp,
        "setlock" => SetlockHelp,
        "softlimit" => SoftlimitHelp,
        _ => null,
    };

    public const string EnvdirHelp = """
        usage: envdir dir child

        Set the environment from the files of dir, then exec child, as daemontools' envdir (chpst -e).

          dir    each file whose name does not start with a dot sets the variable of its name to its
                 first line (trailing spaces and tabs removed, NUL as newline); an empty file unsets it;
                 a subdirectory is an error
          child  the program and its arguments

        exit codes: child's once it runs; 100 usage, 111 unable to read dir or to run child
        """;

    public const string SetuidgidHelp = """
        usage: setuidgid account child

        Run child as the user account, with its primary group, as daemontools' setuidgid (chpst -u).

          account  a user name of /etc/passwd
          child    the program and its arguments

        exit codes: child's once it runs; 100 usage; 111 unknown account, unable to change ids or to run
          child
        """;

    public const string EnvuidgidHelp = """
        usage: envuidgid account child

        Set $UID and $GID to the ids of the user account, then exec child, as daemontools' envuidgid
        (chpst -U).

          account  a user name of /etc/passwd
          child    the program and its arguments

        exit codes: child's once it runs; 100 usage, 111 unknown account or unable to run child
        """;

    public const string PgrphackHelp = """
        usage: pgrphack child

        Run child in a new session and process group (setsid), as daemontools' pgrphack (chpst -P).

          child  the program and its arguments

        exit codes: child's once it runs; 100 usage, 111 unable to run child
        """;

    public const string SetlockHelp = """
        usage: setlock [ -nNxX ] file program [ arg ... ]

        Take an exclusive lock on file (created if missing), then exec program, which holds it, as
        runit's setlock (chpst -l or -L).

          -n  wait until the lock is free
          -N  fail at once when file is locked (the default)
          -x  exit 0, silently, instead of failing: file cannot be opened or locked, or program run
          -X  fail with a message then (the default)

        exit codes: program's once it runs; 100 usage; 111 unable to open or lock file or to run
          program (with -x: 0)
        """;

    public const string SoftlimitHelp = """
        usage: softlimit [-a allbytes] [-c corebytes] [-d databytes] [-f filebytes] [-l lockbytes] [-m membytes] [-o openfiles] [-p processes] [-r residentbytes] [-s stackbytes] [-t cpusecs] child

        Set soft resource limits, then exec child, as daemontools' softlimit; a value = means the
        hard limit, and one above the hard limit is the hard limit.

          -a allbytes       address space
          -c corebytes      core file size
          -d databytes      data segment
          -f filebytes      file size
          -l lockbytes      locked memory
          -m membytes       data, stack, locked memory and address space together
          -o openfiles      open files
          -p processes      processes
          -r residentbytes  resident set
          -s stackbytes     stack
          -t cpusecs        CPU time, seconds

        exit codes: child's once it runs; 100 usage, 111 unable to set a limit or to run child
        """;

    private static int Usage(string name, string usage) { Output.Err($"usage: {name}{usage}\n\n"); return -1; }

    public static int Account(string name, string[] args, ChpstOptions o, bool setUser)
    {
        if (args.Length < 2) return Usage(name, " account child");
        o.SetUserIsAccount = true;
        if (setUser) o.SetUser = args[0]; else o.EnvUser = args[0];
        return 1;
    }

    public static int EnvDirArgs(string name, string[] args, ChpstOptions o)
    {
        if (args.Length < 2) return Usage(name, " dir child");
        o.EnvDir = args[0];
        o.EnvDirSkipsDirectories = false;   // a subdirectory is fatal for envdir, skipped for -e
        return 1;
    }

    public static int Pgrphack(string name, string[] args, ChpstOptions o)
    {
        if (args.Length < 1) return Usage(name, " child");
        o.NewSession = true;
        return 0;
    }

    /// <summary>runit's setlock: without -n it fails at once when the lock is busy; -n waits; -x exits 0 instead of failing.</summary>
    public static int Setlock(string name, string[] args, ChpstOptions o)
    {
        const string usage = " [ -nNxX ] file program [ arg ... ]";
        var g = new Getopt(name, args, "nNxX");
        int c;
        while ((c = g.Next()) != -1)
            switch (c)
            {
                case 'n': o.LockWaits = true; break;
                case 'N': o.LockWaits = false; break;
                case 'x': o.LockBusyIsSuccess = true; break;
                case 'X': o.LockBusyIsSuccess = false; break;
                default: return Usage(name, usage);
            }
        if (args.Length - g.Index < 2) return Usage(name, usage);
        o.LockFile = args[g.Index];
        return g.Index + 1;
    }

    public static int Softlimit(string name, string[] args, ChpstOptions o)
    {
        const string usage = " [-a allbytes] [-c corebytes] [-d databytes] [-f filebytes] [-l lockbytes] [-m membytes] [-o openfiles] [-p processes] [-r residentbytes] [-s stackbytes] [-t cpusecs] child";
        var g = new Getopt(name, args, "a:c:d:f:l:m:o:p:r:s:t:");
        int c;
        while ((c = g.Next()) != -1)
        {
            if (c == '?') return Usage(name, usage);
            ulong v;
            if (g.Argument == "=") v = ChpstOptions.Hard;
            else if (!Digits.TryScanAll(g.Argument, out v)) return Usage(name, ChpstApplet.Usage);
            switch (c)
            {
                case 'a': o.Limits[ChpstOptions.As] = v; break;
                case 'c': o.Limits[ChpstOptions.Core] = v; break;
                case 'd': o.Limits[ChpstOptions.Data] = v; break;
                case 'f': o.Limits[ChpstOptions.Fsize] = v; break;
                case 'l': o.Limits[ChpstOptions.Memlock] = v; break;
                case 'm': o.SetMemory(v); break;
                case 'o': o.Limits[ChpstOptions.Nofile] = v; break;
                case 'p': o.Limits[ChpstOptions.Nproc] = v; break;
                case 'r': o.Limits[ChpstOptions.Rss] = v; break;
                case 's': o.Limits[ChpstOptions.Stack] = v; break;
                case 't': o.Limits[ChpstOptions.Cpu] = v; break;
            }
        }
        if (g.Index >= args.Length) return Usage(name, usage);
        return g.Index;
    }
}
