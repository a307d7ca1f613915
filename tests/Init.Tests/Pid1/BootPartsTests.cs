using Init.Boot;

namespace Init.Tests.Pid1;

/// <summary>Parsers PID 1 relies on at shutdown: /proc/PID/stat and /proc/mounts.</summary>
[TestFixture, Category("Fast")]
public class BootPartsTests
{
    [Test, MaxTime(5_000)]
    public void A_stat_line_with_a_tricky_comm_parses_to_pid_parent_state_and_name()
    {
        var info = ProcessTable.Parse("4242 (a) b (c) S 17 4242 4242 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 5 0 0");

        Assert.That(info, Is.EqualTo(new ProcessInfo(4242, 17, 'S', "a) b (c")));
    }

    // Whole lines as /proc has them (flags 4194560: no PF_KTHREAD).
    [TestCase("123 (sh) S 45 123 123 0 -1 4194560 0 0", 'S', 45)]
    [TestCase("7 (a) b) (c) Z 1 7 7 0 -1 4194560 0 0", 'Z', 1)]
    [TestCase("9 (with space) R 8 9 9 0 -1 4194560 0 0", 'R', 8)]
    [MaxTime(5_000)]
    public void Stat_lines_yield_state_and_parent_even_with_odd_command_names(string line, char state, int ppid)
    {
        var info = ProcessTable.Parse(line);

        Assert.That(info, Is.Not.Null);
        Assert.That((info!.Value.State, info.Value.ParentPid), Is.EqualTo((state, ppid)));
    }

    [Test, MaxTime(5_000)]
    public void Kernel_threads_and_garbage_are_not_processes_to_kill()
    {
        Assert.That(ProcessTable.Parse("2 (kthreadd) S 0 0 0 0 -1 2129984 0 0"), Is.Null, "PF_KTHREAD set");
        Assert.That(ProcessTable.Parse("garbage"), Is.Null);
        Assert.That(ProcessTable.Parse("12 (x) S"), Is.Null);
    }

    [Test, MaxTime(5_000)]
    public void Our_own_process_table_has_us_and_no_kernel_threads()
    {
        var all = ProcessTable.Snapshot();

        Assert.That(all.Any(p => p.Pid == Environment.ProcessId), Is.True);
        Assert.That(all.Any(p => p.Pid == 2 && p.Name == "kthreadd"), Is.False);
    }

    [Test, MaxTime(5_000)]
    public void Mount_points_with_escaped_blanks_are_unescaped()
    {
        Assert.That(Mounts.Unescape(@"/mnt/a\040b\011c\134d"), Is.EqualTo("/mnt/a b\tc\\d"));
        Assert.That(Mounts.Unescape(@"/plain"), Is.EqualTo("/plain"));
        Assert.That(Mounts.Unescape(@"/trailing\04"), Is.EqualTo(@"/trailing\04"));
    }
}
