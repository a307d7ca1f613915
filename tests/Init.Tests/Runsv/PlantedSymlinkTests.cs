using Init.Tests.Support;

namespace Init.Tests.Runsv;

/// <summary>
/// A service directory owned by an unprivileged user (uid 65534) and supervised by root: symlinks
/// its owner plants in or as <c>supervise</c> are never written through (issue #13). runit's runsv
/// follows them; one test documents that difference.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class PlantedSymlinkTests
{
    private const string Sleeper = "#!/bin/sh\nexec sleep 1000\n";
    private const string Secret = "root:secret:1:0:99999:7:::\n";
    private const int Nobody = 65534;

    private static void Chown(string path) => Assert.That(Run.Shell($"chown -hR {Nobody} '{path}'").ExitCode, Is.Zero);

    /// <summary>A service directory of nobody's, with a victim file of root's beside it.</summary>
    private static (string Service, string Victim) Arrange(TempDirectory temp)
    {
        string service = Path.GetDirectoryName(temp.Script("svc/run", Sleeper))!;
        string victim = temp.Write("victim", Secret);
        return (service, victim);
    }

    private static string Errors(TempDirectory temp, string runsv) =>
        File.ReadAllText(temp[runsv == Supervised.Engine ? "svc.engine.err" : "svc.runsv.err"]);

    [TestCase("pid.new", "runsv")]
    [TestCase("stat.new", "runsv")]
    [TestCase("status.new", "runsv")]
    [TestCase("pid.new", Supervised.Engine)]
    [TestCase("status.new", Supervised.Engine)]
    [CancelAfter(20_000)]
    [Category("Reliability")]
    public void A_planted_new_file_symlink_is_replaced_not_written_through(string file, string runsv)
    {
        using var temp = new TempDirectory();
        var (service, victim) = Arrange(temp);
        Directory.CreateDirectory(Path.Combine(service, "supervise"));
        File.CreateSymbolicLink(Path.Combine(service, "supervise", file), victim);
        Chown(service);

        using var supervised = new Supervised(service, runsv == "runsv" ? null : runsv, temp.Path);
        supervised.WaitRunning();
        supervised.Control("d");
        Assert.That(Run.Until(() => supervised.Status().Pid == 0), Is.True, "the files are published again after the stop");

        Assert.That(File.ReadAllText(victim), Is.EqualTo(Secret), "the link's target is untouched");
        Assert.That(new FileInfo(Path.Combine(service, "supervise", file.Replace(".new", ""))).LinkTarget, Is.Null, "the published file is a file of supervise/");
        Reliability.Record("attack", $"supervise/{file} planted as a symlink to a root file by the service dir's owner ({runsv})", 1, "the link is replaced; the victim file untouched", peer: "runit's runsv truncates and overwrites the victim");
    }

    /// <summary>
    /// A <c>*.new</c> stays in supervise/ after each swap and is written over the next time, so a hard
    /// link planted in its place (to a file the owner may not write) must be told from it.
    /// </summary>
    [TestCase("status.new", "runsv")]
    [TestCase("status.new", Supervised.Engine)]
    [TestCase("pid.new", Supervised.Engine)]
    [CancelAfter(20_000)]
    [Category("Reliability")]
    public void A_new_file_replaced_by_a_hard_link_while_running_is_not_written_through(string file, string runsv)
    {
        using var temp = new TempDirectory();
        var (service, victim) = Arrange(temp);
        Chown(service);
        using var supervised = new Supervised(service, runsv == "runsv" ? null : runsv, temp.Path);
        supervised.WaitRunning();
        string planted = Path.Combine(service, "supervise", file);
        Assert.That(File.Exists(planted), Is.True, "the swap left the previous file under the .new name");

        File.Delete(planted);
        Assert.That(Run.Shell($"ln '{victim}' '{planted}'").ExitCode, Is.Zero);
        supervised.Control("d");
        Assert.That(Run.Until(() => supervised.Status().Pid == 0), Is.True, "the files are published again after the stop");

        Assert.That(File.ReadAllText(victim), Is.EqualTo(Secret), "the linked file is untouched");
        Reliability.Record("attack", $"supervise/{file} replaced by a hard link to a root file while supervised ({runsv})", 1, "the link is unlinked, a new file made; the linked file untouched");
    }

    [Test, CancelAfter(20_000)]
    public void Runits_runsv_writes_through_a_planted_pid_new_symlink()
    {
        using var temp = new TempDirectory();
        var (service, victim) = Arrange(temp);
        Directory.CreateDirectory(Path.Combine(service, "supervise"));
        File.CreateSymbolicLink(Path.Combine(service, "supervise", "pid.new"), victim);
        Chown(service);

        using var supervised = new Supervised(service, Supervised.RunitRunsv, temp.Path);
        supervised.WaitRunning();

        // The hole Init closes: runit opens pid.new with O_TRUNC through the link (its first pid
        // is empty, so the target is left empty), then renames the link itself to pid.
        Assert.That(File.ReadAllText(victim), Is.Empty, "runit truncated the link's target");
    }

    [TestCase("runsv")]
    [TestCase(Supervised.Engine)]
    [CancelAfter(20_000)]
    [Category("Reliability")]
    public void A_dangling_supervise_symlink_of_the_owners_is_refused_and_nothing_is_created(string runsv)
    {
        using var temp = new TempDirectory();
        var (service, _) = Arrange(temp);
        string target = temp["elsewhere/supervise"];
        Directory.CreateDirectory(temp["elsewhere"]);
        File.CreateSymbolicLink(Path.Combine(service, "supervise"), target);
        Chown(service);

        using var supervised = new Supervised(service, runsv == "runsv" ? null : runsv, temp.Path);
        string expected = $"runsv {(runsv == "runsv" ? service : "svc")}: {(runsv == "runsv" ? "fatal" : "warning")}: supervise is a symlink owned by uid {Nobody}: refusing to follow it\n";

        if (runsv == "runsv")
        {
            Assert.That(supervised.WaitForExit(10_000), Is.EqualTo(111));
            Assert.That(Errors(temp, runsv), Is.EqualTo(expected));
        }
        else
        {
            // The engine reports the service and tries again a second later, as for any failure to set up supervise/.
            Assert.That(Run.Until(() => Count(Errors(temp, runsv), expected) >= 2), Is.True, Errors(temp, runsv));
        }
        Assert.That(Directory.Exists(target), Is.False, "no directory made where the link points");
        Reliability.Record("attack", $"a dangling supervise symlink owned by the service dir's owner ({runsv})", 1, "refused with a message; nothing created where it points");
    }

    [TestCase("runsv", "supervise")]
    [TestCase(Supervised.Engine, "supervise")]
    [TestCase("runsv", "log/supervise")]
    [CancelAfter(20_000)]
    [Category("Reliability")]
    public void A_supervise_symlink_of_the_owners_to_an_existing_directory_is_refused(string runsv, string link)
    {
        using var temp = new TempDirectory();
        var (service, _) = Arrange(temp);
        if (link == "log/supervise") temp.Script("svc/log/run", Sleeper);
        string target = temp["etc"];
        string victim = temp.Write("etc/status", Secret);
        Chown(service);
        File.CreateSymbolicLink(Path.Combine(service, link), target);
        Assert.That(Run.Shell($"chown -h {Nobody} '{Path.Combine(service, link)}'").ExitCode, Is.Zero);

        using var supervised = new Supervised(service, runsv == "runsv" ? null : runsv, temp.Path);
        string expected = $"{link} is a symlink owned by uid {Nobody}: refusing to follow it\n";

        Assert.That(Run.Until(() => Errors(temp, runsv).Contains(expected)), Is.True, Errors(temp, runsv));
        if (runsv == "runsv") Assert.That(supervised.WaitForExit(10_000), Is.EqualTo(111));
        Assert.That(File.ReadAllText(victim), Is.EqualTo(Secret));
        Assert.That(Directory.GetFileSystemEntries(target), Is.EqualTo(new[] { victim }), "nothing made in the link's target");
        Reliability.Record("attack", $"{link} as the owner's symlink to an existing directory ({runsv})", 1, "refused with a message; nothing written there");
    }

    [TestCase("runsv")]
    [TestCase(Supervised.Engine)]
    [CancelAfter(20_000)]
    [Category("Reliability")]
    public void A_root_owned_supervise_symlink_to_tmpfs_still_works(string runsv)
    {
        using var temp = new TempDirectory();
        var (service, _) = Arrange(temp);
        Chown(service);
        string tmpfs = Path.Combine("/dev/shm", Path.GetFileName(temp.Path) + "-supervise");
        File.CreateSymbolicLink(Path.Combine(service, "supervise"), tmpfs);   // root's link, dangling: runsv makes the target
        try
        {
            using var supervised = new Supervised(service, runsv == "runsv" ? null : runsv, temp.Path);
            int pid = supervised.WaitRunning().Pid;
            Assert.That(File.ReadAllText(Path.Combine(tmpfs, "pid")), Is.EqualTo($"{pid}\n"));
            Assert.That(Run.Command(Supervised.RunitSv, "status", service).Stdout, Does.StartWith($"run: {service}: (pid {pid})"));
        }
        finally { if (Directory.Exists(tmpfs)) Directory.Delete(tmpfs, recursive: true); }
        Reliability.Record("attack", $"root's own supervise symlink to tmpfs (runit's documented use, {runsv})", 1, "followed: works as before");
    }

    private static int Count(string text, string line) => text.Split('\n').Count(l => l + "\n" == line);
}
