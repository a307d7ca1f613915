using Init.Tests.Support;

namespace Init.Tests.Utmpset;

/// <summary>
/// Our utmpset and glibc's utmp writers (login, agetty, sshd: pututline takes an fcntl write
/// lock, which runit's flock does not exclude): a record written under that lock is seen.
/// </summary>
[TestFixture]
public sealed class UtmpsetLockTests
{
    [Test, CancelAfter(20_000)]
    public void A_logout_waits_for_a_writer_holding_glibc_s_lock_and_finds_its_record()
    {
        Requires.Root("binds a directory over /var/run in a mount namespace");
        Requires.Installed("/usr/bin/unshare");
        Requires.Installed("/usr/bin/perl");
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir["run"]);
        UtmpEntry.WriteFile(dir["run/utmp"], UtmpEntry.LoggedIn("tty1", "bob", 501, 1_600_000_001));
        UtmpEntry.WriteFile(dir["login"], UtmpEntry.LoggedIn("tty7", "grace", 507, 1_600_000_007));
        // As pututline: F_SETLKW F_WRLCK over the whole file (struct flock: 2 shorts, 2 off_t, pid), then
        // "locked", a second's pause, and the new login appended before the lock goes.
        const string Writer = """
            use Fcntl; my ($utmp, $login, $marker) = @ARGV;
            open(my $f, '+<', $utmp) or die "open: $!";
            my $whole = pack('s s x4 q q i x4', F_WRLCK, 0, 0, 0, 0);
            fcntl($f, F_SETLKW, $whole) or die "lock: $!";
            open(my $m, '>', $marker) or die; close($m);
            select(undef, undef, undef, 1.0);
            open(my $l, '<', $login) or die; binmode($l); local $/; my $record = <$l>;
            seek($f, 0, 2); syswrite($f, $record) == 384 or die "write: $!";
            close($f);
            """;
        dir.Write("writer.pl", Writer);
        const string Script = """
            mount --bind "$1" /var/run || exit 90
            /usr/bin/perl "$5" /var/run/utmp "$2" "$3" &
            i=0; until [ -e "$3" ]; do i=$((i+1)); [ $i -gt 100 ] && exit 91; sleep 0.05; done
            "$4" tty7; rc=$?
            wait $! || exit 92
            exit $rc
            """;

        var run = Run.Command("/usr/bin/unshare", ["-m", "--propagation", "private", "/bin/sh", "-c", Script, "sh", dir["run"], dir["login"], dir["locked"], Binary.Applet("utmpset"), dir["writer.pl"]]);

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var entries = UtmpEntry.ReadFile(dir["run/utmp"])!;
        Assert.That(entries.Select(e => (e.Line, e.Type, e.User)),
            Is.EqualTo(new[] { ("tty1", UtmpEntry.UserProcess, "bob"), ("tty7", UtmpEntry.DeadProcess, "") }));
    }
}
