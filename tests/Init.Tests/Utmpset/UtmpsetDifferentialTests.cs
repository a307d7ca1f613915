using Init.Tests.Support;

namespace Init.Tests.Utmpset;

/// <summary>
/// Our utmpset against Debian's /usr/sbin/utmpset. Both use glibc's fixed paths (no utmpname), so
/// each runs in a private mount namespace with temporary directories bound over /var/run and
/// /var/log, seeded with the same records; afterwards utmp and wtmp are compared record by record,
/// field by field, a time set by the tool read as "now" (between the run's start and end).
/// </summary>
[TestFixture]
public sealed class UtmpsetDifferentialTests
{
    private const string Runit = "/usr/sbin/utmpset";

    /// <summary>Seconds of a record the tool stamped: any time within the run.</summary>
    private const uint Now = uint.MaxValue;

    private const string Full = "0123456789abcdefghijklmnopqrstuv";   // 32 bytes: ut_line with no NUL

    [OneTimeSetUp]
    public void NeedsMountNamespaces()
    {
        Requires.Installed(Runit);
        Requires.Root("binds directories over /var/run and /var/log in a mount namespace");
        Requires.Installed("/usr/bin/unshare");
    }

    /// <summary>A boot record, logins on tty10, tty1 (twice), pts/0 and a full-length line, a getty's LOGIN on tty3, a dead tty2.</summary>
    private static readonly UtmpEntry[] Seed =
    [
        new(UtmpEntry.BootTime, 0, "~", "~~", "reboot", "6.1.0-amd64", Seconds: 1_600_000_000),
        UtmpEntry.LoggedIn("tty10", "alice", 510, 1_600_000_010),
        UtmpEntry.LoggedIn("tty1", "bob", 501, 1_600_000_001),
        UtmpEntry.LoggedIn("tty1", "carol", 502, 1_600_000_002),
        new(UtmpEntry.LoginProcess, 503, "tty3", "tty3", "LOGIN", "", Seconds: 1_600_000_003),
        new(UtmpEntry.DeadProcess, 0, "tty2", "tty2", "", "", Termination: 1, Exit: 2, Seconds: 1_600_000_004),
        UtmpEntry.LoggedIn("pts/0", "dave", 505, 1_600_000_005),
        // An empty ut_id: Debian's 2.1.2 compares ut_line as a string and would read on into it.
        UtmpEntry.LoggedIn(Full, "erin", 506, 1_600_000_006) with { Id = "" },
    ];

    private static readonly UtmpEntry[] OldWtmp = [UtmpEntry.LoggedIn("tty5", "frank", 600, 1_500_000_000)];

    private sealed record Outcome(int ExitCode, string Stdout, string Stderr, string Utmp, string Wtmp)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}--- stderr\n{Stderr}--- utmp\n{Utmp}--- wtmp\n{Wtmp}";
    }

    /// <summary>
    /// Runs <paramref name="tool"/> on fresh files: utmp from <paramref name="utmp"/> (null: none),
    /// wtmp as <paramref name="wtmp"/> says ("none", "records", "directory"); <paramref name="asUser"/> runs it through setpriv.
    /// </summary>
    private static Outcome RunIn(string tool, UtmpEntry[]? utmp, string wtmp, string[] args, string? asUser = null, byte[]? tail = null)
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir["run"]);
        Directory.CreateDirectory(dir["log"]);
        if (utmp is not null) UtmpEntry.WriteFile(dir["run/utmp"], utmp);
        if (tail is not null)
            using (var file = new FileStream(dir["run/utmp"], FileMode.Append)) file.Write(tail);
        if (wtmp == "records") UtmpEntry.WriteFile(dir["log/wtmp"], OldWtmp);
        if (wtmp == "directory") Directory.CreateDirectory(dir["log/wtmp"]);
        string prefix = asUser is null ? "" : $"/usr/bin/setpriv --reuid={asUser} --regid={asUser} --clear-groups ";
        string script = $"""
            run=$1 log=$2 tool=$3; shift 3
            mount --bind "$run" /var/run && mount --bind "$log" /var/log || exit 90
            umask 022; cd / && exec {prefix}"$tool" "$@"
            """;
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var run = Run.Command("/usr/bin/unshare", ["-m", "--propagation", "private", "/bin/sh", "-c", script, "sh", dir["run"], dir["log"], tool, .. args]);
        long after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.That(run.ExitCode, Is.Not.EqualTo(90), $"cannot bind over /var/run and /var/log: {run}");

        string Records(string path)
        {
            if (Directory.Exists(path)) return "a directory\n";
            if (UtmpEntry.ReadFile(path) is not { } entries) return "none\n";
            string mode = Convert.ToString((int)File.GetUnixFileMode(path), 8);
            return $"mode {mode}\n" + string.Concat(entries.Select(e =>
                (e.Seconds >= before && e.Seconds <= after ? e with { Seconds = Now } : e) + "\n"));
        }
        return new Outcome(run.ExitCode, run.Stdout, run.Stderr.Replace(tool, "utmpset"), Records(dir["run/utmp"]), Records(dir["log/wtmp"]));
    }

    /// <summary>Both tools on the same files: utmp is <see cref="Seed"/> unless given (<paramref name="withUtmp"/> false: no utmp).</summary>
    private static (Outcome Ours, Outcome Theirs) Both(string wtmp, string[] args, UtmpEntry[]? utmp = null, bool withUtmp = true, string? asUser = null, byte[]? tail = null)
    {
        var records = withUtmp ? utmp ?? Seed : null;
        return (RunIn(Binary.Applet("utmpset"), records, wtmp, args, asUser, tail), RunIn(Runit, records, wtmp, args, asUser, tail));
    }

    [TestCase("none", "tty1")]                       // the first of two logins, not tty10's
    [TestCase("none", "-w", "tty1")]                 // wtmp created 0600
    [TestCase("records", "-w", "tty1")]              // appended
    [TestCase("records", "-w", "tty3")]              // a getty's LOGIN_PROCESS has a user too
    [TestCase("records", "-w", "pts/0")]
    [TestCase("records", "-w", Full)]                // a line that fills ut_line
    [TestCase("records", "~")]                       // runit matches by line and user alone, whatever the type
    [TestCase("records", "-w", "tty2")]              // dead already: no entry, wtmp untouched
    [TestCase("records", "-w", "tty")]               // no prefix match
    [TestCase("records", "-w", "tty9")]
    [TestCase("records", "tty1", "-w")]              // options end at the line
    [TestCase("records", "--", "tty1")]
    [TestCase("records", "-ww", "tty1", "ignored")]
    [TestCase("directory", "-w", "tty1")]            // utmp changed, then wtmp cannot be opened
    [TestCase("records")]                            // usage
    [TestCase("records", "-w")]
    [TestCase("records", "-x", "tty1")]
    [CancelAfter(20_000)]
    public void The_same_records_output_and_exit_code_as_runit(string wtmp, params string[] args)
    {
        var (ours, theirs) = Both(wtmp, args);

        Assert.That(ours.ToString(), Is.EqualTo(theirs.ToString()));
    }

    [Test, CancelAfter(20_000)]
    public void A_logout_clears_user_and_host_sets_dead_process_and_the_time_and_keeps_the_rest()
    {
        var (ours, _) = Both("none", ["-w", "tty1"]);

        var bob = Seed[2];
        string utmpRecord = (bob with { Type = UtmpEntry.DeadProcess, User = "", Host = "", Seconds = Now }).ToString();
        string wtmpRecord = new UtmpEntry(UtmpEntry.DeadProcess, 0, "tty1", "", "", "", Seconds: Now).ToString();
        Assert.That(ours.ExitCode, Is.Zero, ours.ToString());
        Assert.That(ours.Utmp.Split('\n'), Does.Contain(utmpRecord).And.Contain(Seed[3].ToString()), "carol's login on tty1 stays");
        Assert.That(ours.Wtmp, Is.EqualTo($"mode 600\n{wtmpRecord}\n"));
    }

    [Test, CancelAfter(20_000)]
    public void A_missing_utmp_is_named_with_exit_111()
    {
        var (ours, theirs) = Both("records", ["-w", "tty1"], withUtmp: false);

        Assert.That(ours.ToString(), Is.EqualTo(theirs.ToString()));
        Assert.That(ours.Stderr, Is.EqualTo("utmpset: fatal: unable to open /var/run/utmp: file does not exist\n"));
    }

    [Test, CancelAfter(20_000)]
    public void A_torn_last_record_is_no_record_and_is_left_alone()
    {
        var (ours, theirs) = Both("records", ["-w", "pts/0"], utmp: Seed[..4], tail: UtmpEntry.LoggedIn("pts/0", "dave", 505, 1).ToBytes()[..100]);

        Assert.That(ours.ToString(), Is.EqualTo(theirs.ToString()));
        Assert.That(ours.Stderr, Is.EqualTo("utmpset: warning: unable to logout line pts/0 in utmp: no such entry\n"));
    }

    [Test, CancelAfter(20_000)]
    public void A_user_who_may_not_write_utmp_is_told_so_with_exit_111()
    {
        Requires.Installed("/usr/bin/setpriv");

        var (ours, theirs) = Both("records", ["-w", "tty1"], asUser: "65534");

        Assert.That(ours.ToString(), Is.EqualTo(theirs.ToString()));
        Assert.That(ours.Stderr, Is.EqualTo("utmpset: fatal: unable to open /var/run/utmp: access denied\n"));
    }

    [Test, CancelAfter(20_000)]
    public void A_line_longer_than_ut_line_is_refused_as_runit_2_3_0_does()
    {
        string line = Full + "w";

        var (ours, theirs) = Both("records", ["-w", line]);

        // Debian's 2.1.2 predates the check: it finds no entry, with the same exit code.
        Assert.That(ours.ExitCode, Is.EqualTo(theirs.ExitCode));
        Assert.That(ours with { Stderr = "" }, Is.EqualTo(theirs with { Stderr = "" }));
        Assert.That(ours.Stderr, Is.EqualTo($"utmpset: fatal: unable to logout line {line} in utmp: name too long\n"));
    }

    [Test, CancelAfter(20_000)]
    public void V_prints_a_version_line_and_the_usage_with_exit_1()
    {
        var (ours, theirs) = Both("records", ["-V"]);

        Assert.That(ours with { Stderr = "" }, Is.EqualTo(theirs with { Stderr = "" }));
        Assert.That(ours.ExitCode, Is.EqualTo(1));
        Assert.That(ours.Stderr, Does.Match(@"^\$Id: utmpset \(Init\) \S+ \$\n"));
        Assert.That(ours.Stderr.Split('\n')[1..], Is.EqualTo(theirs.Stderr.Split('\n')[1..]));
    }
}
