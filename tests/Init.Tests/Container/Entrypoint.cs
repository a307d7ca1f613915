using System.Diagnostics;
using Init.Tests.Support;

namespace Init.Tests.Container;

/// <summary>
/// A container entrypoint under test (ours through its tini / dumb-init links, or Debian's
/// originals) running one child, optionally as PID 1 of a new PID namespace
/// (<c>unshare --fork --pid --mount-proc</c>), with a scratch directory for the child's logs.
/// </summary>
public sealed class Entrypoint : IDisposable
{
    public const string Ours = "ours", Tini = "tini", OursDumb = "ours-dumb", DumbInit = "dumb-init", OursInit = "ours-init";

    /// <summary>The program for a test case name: ours under the same name as the original, or the original.</summary>
    public static string Program(string which)
    {
        string program = which switch
        {
            Ours => Binary.Applet("tini"),
            OursDumb => Binary.Applet("dumb-init"),
            OursInit => Binary.Init,
            Tini => "/usr/bin/tini",
            DumbInit => "/usr/bin/dumb-init",
            _ => throw new ArgumentException(which),
        };
        Requires.Installed(program);   // Debian's tini or dumb-init: skipped when absent
        return program;
    }

    /// <summary>The dummy child: perl (always installed), logs each signal it catches to LOG as "who SIG".</summary>
    public const string Dummy = """
        use POSIX;
        my ($log, $stop, $kids) = @ARGV;
        my $who = "child";
        sub note { open(my $f, ">>", $log); print $f "$who $_[0]\n"; close $f; }
        $SIG{$_} = \&note for qw(TERM INT HUP USR1 USR2 QUIT WINCH ILL TRAP ABRT BUS FPE SEGV SYS);
        if ($kids && fork() == 0) { $who = "grandchild"; }
        { open(my $r, ">>", "$log.ready"); print $r "$who\n"; close $r; }
        until (-e $stop) { select(undef, undef, undef, 0.02); }
        exit 0;
        """;

    private readonly Process _process;
    public TempDirectory Dir { get; } = new();
    public string Log => Dir["log"];
    public string Stop => Dir["stop"];

    public Entrypoint(string which, IEnumerable<string> options, IEnumerable<string> command, bool pidNamespace = true,
        IDictionary<string, string?>? environment = null)
    {
        var args = new List<string>();
        string file = Program(which);
        if (pidNamespace) { args.AddRange(["--fork", "--pid", "--mount-proc", file]); file = "/usr/bin/unshare"; }
        args.AddRange(options);
        args.AddRange(command);
        _process = Run.Background(file, args, Dir.Path, Dir.Path, "entrypoint", environment);
        PidNamespace = pidNamespace;
    }

    /// <summary>Starts the perl dummy (with a forked grandchild when <paramref name="grandchild"/>).</summary>
    public static Entrypoint WithDummy(string which, IEnumerable<string> options, bool grandchild = false, bool pidNamespace = true)
        // Relative paths: the entrypoint and the dummy run in the scratch directory.
        => new(which, options, ["/usr/bin/perl", "-e", Dummy, "log", "stop", grandchild ? "1" : "0"], pidNamespace);

    public bool PidNamespace { get; }

    public string Stdout => File.ReadAllText(Dir["entrypoint.out"]);
    public string Stderr => File.ReadAllText(Dir["entrypoint.err"]);

    /// <summary>The entrypoint's pid in our namespace (unshare's only child, or the process itself).</summary>
    public int Pid
    {
        get
        {
            if (!PidNamespace) return _process.Id;
            int found = 0;
            Assert.That(Run.Until(() => int.TryParse(File.ReadAllText($"/proc/{_process.Id}/task/{_process.Id}/children").Trim(), out found), 5000),
                Is.True, "unshare never forked the entrypoint");
            return found;
        }
    }

    public void Signal(int signo) => Assert.That(Run.Command("/bin/kill", $"-{signo}", Pid.ToString()).ExitCode, Is.Zero);

    public bool WaitFor(Func<bool> condition, int timeoutMs = 10_000) => Run.Until(condition, timeoutMs);

    public string[] LogLines => File.Exists(Log) ? File.ReadAllLines(Log) : [];
    public int ReadyCount => File.Exists(Log + ".ready") ? File.ReadAllLines(Log + ".ready").Length : 0;

    /// <summary>Waits for the entrypoint (and unshare) to exit; its exit code.</summary>
    public int WaitExit(int timeoutMs = 15_000)
    {
        int? exit = Run.WaitForExit(_process, timeoutMs);
        Assert.That(exit, Is.Not.Null, $"entrypoint did not exit in {timeoutMs} ms\n{SafeRead("entrypoint.err")}");
        return exit!.Value;
    }

    public bool HasExited => _process.HasExited;

    private string SafeRead(string name) { try { return File.ReadAllText(Dir[name]); } catch (IOException) { return ""; } }

    public void Dispose()
    {
        try { File.WriteAllText(Stop, ""); } catch (IOException) { }
        if (!_process.WaitForExit(3000))
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            _process.WaitForExit();
        }
        _process.Dispose();
        Dir.Dispose();
    }
}
