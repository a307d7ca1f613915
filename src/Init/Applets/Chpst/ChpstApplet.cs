using Init.Accounts;
using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Applets.Chpst;

/// <summary>
/// <c>chpst</c>: change the process state (session, environment, root, nice, ids, lock, stdio,
/// limits), then exec the program, exactly as runit's chpst. Called as envdir, setuidgid,
/// envuidgid, pgrphack, setlock or softlimit (a leading 'd' stripped) it is that daemontools tool.
/// Exit: 100 usage, 111 error; on success it is the program.
/// </summary>
public static class ChpstApplet
{
    public const string Usage = " [-vVP012] [-u user[:group]] [-U user[:group]] [-b argv0] [-e dir] [-/ root] [-C pwd] [-n nice] [-l|-L lock] [-m n] [-d n] [-o n] [-p n] [-f n] [-c n] [-t n] prog";

    /// <summary><c>chpst --help</c>: docs/man/chpst.md shows the same text.</summary>
    public const string Help = """
        usage: chpst [-vVP012] [-u user[:group]] [-U user[:group]] [-b argv0] [-e dir] [-/ root] [-C pwd] [-n nice] [-l|-L lock] [-m n] [-d n] [-o n] [-p n] [-f n] [-c n] [-t n] prog

        Change the process state, in this order, then exec prog, as runit's chpst (2.3.0).

          -P               a new session and process group (setsid)
          -e dir           set the environment from the files of dir, as envdir (subdirectories skipped)
          -/ root          change the root directory to root (chroot)
          -C pwd           change the working directory to pwd
          -n nice          add nice to the nice value (a leading - or + allowed)
          -U user[:group]  set $UID and $GID to the ids of user (and of group)
          -u user[:group]  run as user, with its group or the groups named (:uid:gid[:gid...] as numbers)
          -l lock          wait for an exclusive lock on the file lock, which prog then holds
          -L lock          the same, but fail at once when lock is locked
          -0 -1 -2         close stdin, stdout, stderr
          -m n             soft limit of the data, stack, locked memory and address space: n bytes each
          -d n             soft limit of the data segment: n bytes
          -o n             soft limit of open files
          -p n             soft limit of processes
          -f n             soft limit of the file size: n bytes
          -c n             soft limit of the core size: n bytes
          -r n             soft limit of the resident set: n bytes
          -t n             soft limit of CPU time: n seconds
          -b argv0         run prog with argv0 as its argv[0]
          -v               verbose (envdir's skipped subdirectories)
          -V               print the version, then the usage (exit 100)

        users and groups: from /etc/passwd and /etc/group; a soft limit above the hard one is the hard one
        exit codes: prog's once it runs; 100 usage, 111 unable to change the state or to run prog
        """;

    public static int Run(string name, string[] args)
    {
        string program = name.StartsWith('d') ? name[1..] : name;
        var options = new ChpstOptions();
        int rest = program switch
        {
            "setuidgid" => Daemontools.Account(program, args, options, setUser: true),
            "envuidgid" => Daemontools.Account(program, args, options, setUser: false),
            "envdir" => Daemontools.EnvDirArgs(program, args, options),
            "pgrphack" => Daemontools.Pgrphack(program, args, options),
            "setlock" => Daemontools.Setlock(program, args, options),
            "softlimit" => Daemontools.Softlimit(program, args, options),
            _ => Parse(name, args, options),
        };
        if (rest < 0) return 100;
        return Execute(options, args[rest..]);
    }

    private static int UsageError(string name) { Output.Err($"usage: {name}{Usage}\n\n"); return -1; }

    /// <summary>Parses chpst's own options; the index of the program in <paramref name="args"/>, or -1 after printing usage.</summary>
    private static int Parse(string name, string[] args, ChpstOptions o)
    {
        var g = new Getopt(name, args, "u:U:b:e:m:d:o:p:f:c:r:t:/:C:n:l:L:vP012V");
        int c;
        while ((c = g.Next()) != -1)
        {
            string a = g.Argument;
            switch (c)
            {
                case 'u': o.SetUser = a; break;
                case 'U': o.EnvUser = a; break;
                case 'b': o.Argv0 = a; break;
                case 'e': o.EnvDir = a; break;
                case 'm': if (!Digits.TryScanAll(a, out ulong m)) return UsageError(name); o.SetMemory(m); break;
                case 'd': if (!Limit(o, ChpstOptions.Data, a)) return UsageError(name); break;
                case 'o': if (!Limit(o, ChpstOptions.Nofile, a)) return UsageError(name); break;
                case 'p': if (!Limit(o, ChpstOptions.Nproc, a)) return UsageError(name); break;
                case 'f': if (!Limit(o, ChpstOptions.Fsize, a)) return UsageError(name); break;
                case 'c': if (!Limit(o, ChpstOptions.Core, a)) return UsageError(name); break;
                case 'r': if (!Limit(o, ChpstOptions.Rss, a)) return UsageError(name); break;
                case 't': if (!Limit(o, ChpstOptions.Cpu, a)) return UsageError(name); break;
                case '/': o.Root = a; break;
                case 'C': o.WorkingDirectory = a; break;
                case 'n':
                    {
                        bool negative = a.StartsWith('-');
                        string digits = negative || a.StartsWith('+') ? a[1..] : a;
                        if (!Digits.TryScanAll(digits, out ulong n)) return UsageError(name);
                        o.Nice = negative ? -(int)n : (int)n;
                        break;
                    }
                case 'l': if (o.LockFile is not null) return UsageError(name); o.LockFile = a; o.LockWaits = true; break;
                case 'L': if (o.LockFile is not null) return UsageError(name); o.LockFile = a; o.LockWaits = false; break;
                case 'v': o.Verbose = true; break;
                case 'P': o.NewSession = true; break;
                case '0': o.CloseStdin = true; break;
                case '1': o.CloseStdout = true; break;
                case '2': o.CloseStderr = true; break;
                case 'V': Output.Err($"$Id: chpst (Init) {AppletTable.Version} $\n"); return UsageError(name);
                default: return UsageError(name);
            }
        }
        if (g.Index >= args.Length) return UsageError(name);
        return g.Index;
    }

    private static bool Limit(ChpstOptions o, int resource, string a)
    {
        if (!Digits.TryScanAll(a, out ulong v)) return false;
        o.Limits[resource] = v;
        return true;
    }

    /// <summary>Applies the options in runit's order and execs; returns only on failure (111, or 0 for setlock -x).</summary>
    public static int Execute(ChpstOptions o, string[] argv)
    {
        var db = new UserDatabase();
        if (o.NewSession) Sys.SetSid();
        if (o.EnvDir is not null && !EnvDir.Apply(o.EnvDir, o.EnvDirSkipsDirectories, o.Verbose)) return 111;
        if (o.Root is not null)
        {
            if (Sys.Chdir(o.Root) < 0) return Fatal($"unable to change directory: {o.Root}", Sys.Errno);
            if (Sys.Chroot(".") < 0) return Fatal("unable to change root directory", Sys.Errno);
        }
        if (o.WorkingDirectory is not null && Sys.Chdir(o.WorkingDirectory) < 0)
            return Fatal($"unable to change directory: {o.WorkingDirectory}", Sys.Errno);
        if (o.Nice != 0 && Sys.Nice(o.Nice) < 0) return Fatal("unable to set nice level", Sys.Errno);
        if (o.EnvUser is not null)
        {
            if (Resolve(o.EnvUser, o.SetUserIsAccount, db) is not { } ids) return 111;
            if (Sys.SetEnvironment("GID", ids.Gids[0].ToString()) < 0 || Sys.SetEnvironment("UID", ids.Uid.ToString()) < 0) return OutOfMemory();
        }
        if (o.SetUser is not null)
        {
            if (Resolve(o.SetUser, o.SetUserIsAccount, db) is not { } ids) return 111;
            // Groups first: after setuid we could no longer change them.
            if (Sys.SetGroups(ids.Gids) < 0) return Fatal("unable to setgroups", Sys.Errno);
            if (Sys.SetGid(ids.Gids[0]) < 0) return Fatal("unable to setgid", Sys.Errno);
            if (Sys.SetUid(ids.Uid) < 0) return Fatal("unable to setuid", Sys.Errno);
        }
        if (o.LockFile is not null && Lock(o) is { } lockResult) return lockResult;
        if (o.CloseStdin && Sys.Close(0) < 0) return Fatal("unable to close stdin", Sys.Errno);
        if (o.CloseStdout && Sys.Close(1) < 0) return Fatal("unable to close stdout", Sys.Errno);
        if (o.CloseStderr && Sys.Close(2) < 0) return Fatal("unable to close stderr", Sys.Errno);
        foreach (int resource in ChpstOptions.LimitOrder)
        {
            if (!o.Limits.TryGetValue(resource, out ulong value)) continue;
            if (Sys.GetRlimit(resource, out var limit) < 0) return Fatal("unable to getrlimit()", Sys.Errno);
            // Only the soft limit changes, clamped to the hard one.
            limit.Current = value > limit.Maximum ? limit.Maximum : value;
            if (Sys.SetRlimit(resource, limit) < 0) return Fatal("unable to setrlimit()", Sys.Errno);
        }

        string file = argv[0];
        if (o.Argv0 is not null) argv[0] = o.Argv0;
        // What the .NET runtime set up must not reach the program; if it cannot all be undone, say so and go on.
        if (Sys.ResetSignals() < 0) Output.Err($"chpst: warning: unable to reset signal dispositions: {ErrorText.Of(Sys.Errno)}\n");
        Sys.ExecVp(file, argv);
        if (o.LockBusyIsSuccess) return 0;
        return Fatal($"unable to run: {argv[0]}", Sys.Errno);
    }

    private static UidGids? Resolve(string spec, bool plainAccount, UserDatabase db)
    {
        var ids = plainAccount ? AccountSpec.ResolveUser(spec, db) : AccountSpec.Resolve(spec, db);
        if (ids is not null) return ids;
        if (plainAccount) Output.Err($"chpst: fatal: unknown account: {spec}\n");
        else if (spec.StartsWith(':')) Output.Err($"chpst: fatal: invalid uid/gids: {spec[1..]}\n");
        else Output.Err($"chpst: fatal: unknown user/group: {spec}\n");
        return null;
    }

    /// <summary>Takes the lock; null on success, else the exit code (setlock -x: 0 silently).</summary>
    private static int? Lock(ChpstOptions o)
    {
        string file = o.LockFile!;
        int fd = Sys.Open(file, O_WRONLY | O_NONBLOCK | O_APPEND | O_CREAT, 0x180 /* 0600 */);
        if (fd < 0) return o.LockBusyIsSuccess ? 0 : Fatal($"unable to open lock: {file}", Sys.Errno);
        // The program holds the lock: the descriptor must survive exec.
        Sys.SetCloseOnExec(fd, false);
        if (Sys.Flock(fd, o.LockWaits ? LOCK_EX : LOCK_EX | LOCK_NB) < 0)
            return o.LockBusyIsSuccess ? 0 : Fatal($"unable to lock: {file}", Sys.Errno);
        return null;
    }

    /// <summary>runit's chpst and envdir die this way when the environment cannot grow (pathexec_env failing).</summary>
    internal static int OutOfMemory()
    {
        Output.Err("chpst: fatal: out of memory\n");
        return 111;
    }

    internal static int Fatal(string message, int errno)
    {
        Output.Err($"chpst: fatal: {message}: {ErrorText.Of(errno)}\n");
        return 111;
    }
}
