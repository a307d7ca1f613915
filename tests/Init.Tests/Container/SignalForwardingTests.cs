using Init.Tests.Support;

namespace Init.Tests.Container;

/// <summary>Every catchable signal reaches the child (with -g / dumb-init's setsid mode: its whole group), ours side by side with the originals.</summary>
[TestFixture, NonParallelizable]
public sealed class SignalForwardingTests
{
    private static readonly (int Number, string Name)[] Signals =
        [(15, "TERM"), (2, "INT"), (1, "HUP"), (10, "USR1"), (12, "USR2"), (3, "QUIT"), (28, "WINCH")];

    [TestCase(Entrypoint.Ours), TestCase(Entrypoint.Tini), CancelAfter(30_000)]
    public void The_child_sees_each_forwarded_signal(string which)
    {
        using var e = Entrypoint.WithDummy(which, ["--"]);
        Assert.That(e.WaitFor(() => e.ReadyCount == 1), Is.True, "child never started");

        foreach (var (number, name) in Signals)
        {
            e.Signal(number);
            Assert.That(e.WaitFor(() => e.LogLines.Contains($"child {name}")), Is.True, $"child never saw SIG{name}; log: {string.Join(", ", e.LogLines)}");
        }

        File.WriteAllText(e.Stop, "");
        Assert.That(e.WaitExit(), Is.Zero);
    }

    [TestCase(Entrypoint.Ours, "-g"), TestCase(Entrypoint.Tini, "-g"), TestCase(Entrypoint.OursDumb, "--"), TestCase(Entrypoint.DumbInit, "--")]
    [CancelAfter(30_000)]
    public void With_process_group_forwarding_the_whole_group_sees_each_signal(string which, string option)
    {
        using var e = Entrypoint.WithDummy(which, option == "--" ? ["--"] : [option, "--"], grandchild: true);
        Assert.That(e.WaitFor(() => e.ReadyCount == 2), Is.True, "child and grandchild never started");

        foreach (var (number, name) in Signals)
        {
            e.Signal(number);
            Assert.That(e.WaitFor(() => e.LogLines.Contains($"child {name}") && e.LogLines.Contains($"grandchild {name}")), Is.True,
                $"SIG{name} did not reach the group; log: {string.Join(", ", e.LogLines)}");
        }

        File.WriteAllText(e.Stop, "");
        Assert.That(e.WaitExit(), Is.Zero);
    }

    [TestCase(Entrypoint.Ours), TestCase(Entrypoint.Tini), CancelAfter(30_000)]
    public void Without_process_group_forwarding_only_the_child_sees_the_signal(string which)
    {
        using var e = Entrypoint.WithDummy(which, ["--"], grandchild: true);
        Assert.That(e.WaitFor(() => e.ReadyCount == 2), Is.True, "child and grandchild never started");

        e.Signal(10);
        Assert.That(e.WaitFor(() => e.LogLines.Contains("child USR1")), Is.True);
        e.Signal(12);
        Assert.That(e.WaitFor(() => e.LogLines.Contains("child USR2")), Is.True);

        Assert.That(e.LogLines.Where(l => l.StartsWith("grandchild")), Is.Empty);
        File.WriteAllText(e.Stop, "");
        Assert.That(e.WaitExit(), Is.Zero);
    }

    /// <summary>
    /// Not PID 1, where a sent SIGBUS used to kill Init (exit 135) and leave its child behind. Ours
    /// reads these from a signalfd once the child has run a moment (<c>DirectSignals</c>): the
    /// signalfd is the sign that it does; until then they are ignored.
    /// </summary>
    [TestCase(Entrypoint.OursDumb), TestCase(Entrypoint.DumbInit), CancelAfter(30_000)]
    public void Sent_fault_signals_reach_the_child_and_the_entrypoint_lives_on(string which)
    {
        using var e = Entrypoint.WithDummy(which, ["--"], pidNamespace: false);
        Assert.That(e.WaitFor(() => e.ReadyCount == 1), Is.True, "child never started");
        if (which == Entrypoint.OursDumb)
            Assert.That(e.WaitFor(() => HasSignalFd(e.Pid)), Is.True, "the forwarding of sent faults was never set up: " + e.Stderr);

        foreach (var (number, name) in Faults)
        {
            e.Signal(number);
            Assert.That(e.WaitFor(() => e.LogLines.Contains($"child {name}")), Is.True, $"child never saw SIG{name}; log: {string.Join(", ", e.LogLines)}");
            Assert.That(e.HasExited, Is.False, $"SIG{name} ended the entrypoint");
        }

        File.WriteAllText(e.Stop, "");
        Assert.That(e.WaitExit(), Is.Zero);
    }

    private static readonly (int Number, string Name)[] Faults =
        [(7, "BUS"), (11, "SEGV"), (8, "FPE"), (4, "ILL"), (5, "TRAP"), (6, "ABRT"), (31, "SYS")];

    private static bool HasSignalFd(int pid)
    {
        try { return Directory.GetFiles($"/proc/{pid}/fd").Any(fd => new FileInfo(fd).LinkTarget == "anon_inode:[signalfd]"); }
        catch (IOException) { return false; }
    }

    [TestCase(Entrypoint.OursDumb), TestCase(Entrypoint.DumbInit), CancelAfter(30_000)]
    public void A_rewritten_signal_arrives_as_its_replacement_and_a_signal_rewritten_to_0_is_dropped(string which)
    {
        using var e = Entrypoint.WithDummy(which, ["--rewrite", "10:12", "-r", "1:0"]);
        Assert.That(e.WaitFor(() => e.ReadyCount == 1), Is.True);

        e.Signal(10); // arrives as USR2
        e.Signal(1);  // dropped
        e.Signal(28); // unchanged
        // Signals have no order to keep: ours may take the first ones through the runtime's handler
        // and the last from its signalfd (DirectSignals), so the child may see WINCH first.
        Assert.That(e.WaitFor(() => e.LogLines.Contains("child WINCH") && e.LogLines.Contains("child USR2")), Is.True,
            "log: " + string.Join(", ", e.LogLines));

        Assert.That(e.LogLines, Does.Contain("child USR2").And.Not.Contain("child USR1").And.Not.Contain("child HUP"));
        File.WriteAllText(e.Stop, "");
        Assert.That(e.WaitExit(), Is.Zero);
    }
}

/// <summary>dumb-init's job control: SIGTSTP stops the child's group (as SIGSTOP), then dumb-init itself; SIGCONT resumes.</summary>
[TestFixture, NonParallelizable]
public sealed class JobControlTests
{
    private static char State(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[stat.LastIndexOf(')') + 2];
    }

    [TestCase(Entrypoint.OursDumb), TestCase(Entrypoint.DumbInit), CancelAfter(30_000)]
    public void SIGTSTP_stops_the_child_and_the_entrypoint_and_SIGCONT_resumes_the_child(string which)
    {
        using var e = Entrypoint.WithDummy(which, ["--"], pidNamespace: false);
        Assert.That(e.WaitFor(() => e.ReadyCount == 1), Is.True);
        int entrypoint = e.Pid;
        int child = int.Parse(File.ReadAllText($"/proc/{entrypoint}/task/{entrypoint}/children").Trim());

        e.Signal(20); // SIGTSTP

        Assert.That(e.WaitFor(() => State(child) == 'T' && State(entrypoint) == 'T', 5000), Is.True,
            $"child {State(child)}, entrypoint {State(entrypoint)}");
        e.Signal(18); // SIGCONT: the entrypoint resumes and forwards it to the group
        Assert.That(e.WaitFor(() => State(child) != 'T' && State(entrypoint) != 'T', 5000), Is.True);
        File.WriteAllText(e.Stop, "");
        Assert.That(e.WaitExit(), Is.Zero);
    }
}
