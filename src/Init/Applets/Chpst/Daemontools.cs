using Init.Runtime;

namespace Init.Applets.Chpst;

/// <summary>
/// The daemontools names chpst answers to. Each parses its own arguments into
/// <see cref="ChpstOptions"/> and returns the index of the program, or -1 after usage (exit 100).
/// </summary>
public static class Daemontools
{
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
