using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Applets.Runsvchdir;

/// <summary>
/// <c>runsvchdir dir</c>: runit 2.3.0's switch of runsvdir's services between runlevels. In
/// /etc/runit/runsvdir ($RUNSVDIR), <c>current</c> becomes a symlink to <c>dir</c>, made as
/// <c>current.new</c> and renamed over it, and the old <c>current</c> becomes <c>previous</c>.
/// Exit: 0 switched (or already current), 1 usage, 111 error.
/// </summary>
public static class RunsvchdirApplet
{
    public const string DefaultDirectory = "/etc/runit/runsvdir";

    /// <summary><c>runsvchdir --help</c>: docs/man/runsvchdir.md shows the same text.</summary>
    public const string Help = """
        usage: runsvchdir dir

        Switch runsvdir's services to dir, as runit's runsvchdir (2.3.0): in /etc/runit/runsvdir,
        current becomes a symlink to dir and the old current becomes previous.

          dir   a directory, named relative to /etc/runit/runsvdir (or absolute); not starting with a dot

        environment: RUNSVDIR (default /etc/runit/runsvdir)
        exit codes: 0 switched, or dir was current already; 1 usage; 111 error
        """;

    public static int Run(string name, string[] args)
    {
        string program = CalledAs.Program(name);
        // As runit: only a missing argument is a usage error; further ones are ignored.
        if (args.Length == 0)
        {
            Output.Err($"usage: {program} dir\n\n");
            return 1;
        }
        string dir = args[0];
        var diag = new Diagnostics(program);
        string runsvdir = Environment.GetEnvironmentVariable("RUNSVDIR") ?? DefaultDirectory;

        // current, previous and current.new start with no dot: a dot name could be one of runsvdir's own.
        if (dir.StartsWith('.')) return Fatal(diag, $"{dir}: must not start with a dot.");
        if (Sys.Chdir(runsvdir) < 0) return Fatal(diag, $"unable to chdir: {runsvdir}", Sys.Errno);
        if (Sys.Stat(dir, out var wanted) < 0)
            return Sys.Errno == ENOENT ? Fatal(diag, dir, ENOENT) : Fatal(diag, $"unable to stat: {dir}", Sys.Errno);
        // runit prints "dirnot a directory.": the separator is ours.
        if (!wanted.IsDirectory) return Fatal(diag, $"{dir}: not a directory.");
        if (Sys.Stat("current", out var current) < 0) return Fatal(diag, "unable to stat: current", Sys.Errno);
        if (current.Device == wanted.Device && current.Inode == wanted.Inode)
        {
            Output.Out($"runsvchdir: {dir}: current.\n");
            return 0;
        }

        if (Sys.Unlink("current.new") < 0 && Sys.Errno != ENOENT) return Fatal(diag, "unable to unlink: current.new", Sys.Errno);
        if (Sys.Symlink(dir, "current.new") < 0) return Fatal(diag, $"unable to create: current.new -> {dir}", Sys.Errno);
        if (Sys.Unlink("previous") < 0 && Sys.Errno != ENOENT) return Fatal(diag, "unable to unlink: previous", Sys.Errno);
        if (Sys.Rename("current", "previous") < 0) return Fatal(diag, "unable to copy: current to previous", Sys.Errno);
        if (Sys.Rename("current.new", "current") < 0)
        {
            // runit says "fatal" here although it goes on: put the old current back, then fail.
            diag.Fatal("unable to move: current.new to current", Sys.Errno);
            if (Sys.Rename("previous", "current") < 0) return Fatal(diag, "unable to move previous back to current", Sys.Errno);
            return 111;
        }
        Output.Out($"runsvchdir: {dir}: now current.\n");
        return 0;
    }

    private static int Fatal(Diagnostics diag, string message)
    {
        diag.Fatal(message);
        return 111;
    }

    private static int Fatal(Diagnostics diag, string message, int errno)
    {
        diag.Fatal(message, errno);
        return 111;
    }
}
