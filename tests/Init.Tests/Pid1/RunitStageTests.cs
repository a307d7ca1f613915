using Init.Tests.Support;

namespace Init.Tests.Pid1;

/// <summary>
/// runit's stage rules with /etc/runit/1, 2, 3 (a private tmpfs in the test's mount namespace),
/// init as PID 1 of a PID namespace without console and mounts.
/// </summary>
[TestFixture]
public class RunitStageTests
{
    private static NamespacedInit Start(TempDirectory temp) =>
        new(temp, ["--Mode=system", "--Stages=runit", "--Console=false", "--Mount=false", "--KillGraceSeconds=1"],
            wrapper: $"mount -t tmpfs tmpfs /run && mkdir -p /etc/runit && mount -t tmpfs tmpfs /etc/runit && cp {temp["runit"]}/* /etc/runit/");

    [Test, CancelAfter(30_000)]
    public void Stage_1_exiting_100_skips_stage_2()
    {
        using var temp = new TempDirectory();
        temp.Script("runit/1", "exit 100\n");
        temp.Script("runit/2", $"echo ran > {temp["stage2.ran"]}\n");
        temp.Script("runit/3", "echo stage-3-ran\n");
        using var init = Start(temp);

        int? exit = init.WaitForExit(20_000);

        Assert.That(exit, Is.EqualTo(128 + 2), init.Output);
        Assert.That(init.Output, Does.Contain("skipping stage 2..."));
        Assert.That(File.Exists(temp["stage2.ran"]), Is.False);
        Assert.That(init.Output, Does.Contain("stage-3-ran"));
    }

    [Test, CancelAfter(40_000)]
    public void Stage_2_exiting_111_or_crashing_is_restarted_and_stopit_with_SIGCONT_ends_it()
    {
        using var temp = new TempDirectory();
        temp.Script("runit/1", "exit 0\n");
        temp.Script("runit/2", $$"""
            echo run >> {{temp["stage2.runs"]}}
            n=$(wc -l < {{temp["stage2.runs"]}})
            [ "$n" = 1 ] && exit 111
            [ "$n" = 2 ] && kill -9 $$
            touch /etc/runit/stopit && chmod 100 /etc/runit/stopit && kill -CONT 1
            exec sleep 100
            """);
        temp.Script("runit/3", "echo stage-3-ran\n");
        using var init = Start(temp);

        int? exit = init.WaitForExit(30_000);

        Assert.That(exit, Is.EqualTo(128 + 2), "no reboot file: poweroff\n" + init.Output);
        Assert.That(File.ReadAllLines(temp["stage2.runs"]), Has.Length.EqualTo(3), init.Output);
        Assert.That(init.Output, Does.Contain("leave stage: /etc/runit/2 (exit 111)"));
        Assert.That(init.Output, Does.Contain("leave stage: /etc/runit/2 (signal 9)"));
        Assert.That(init.Output, Does.Contain("stage 3: poweroff (runit-init (stopit))"));
        Assert.That(init.Output, Does.Contain("stage-3-ran"));
    }
}
