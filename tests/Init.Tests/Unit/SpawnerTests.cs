using Init.Interop;
using Init.Runtime;
using Init.Tests.Support;
using static Init.Interop.Consts;

namespace Init.Tests.Unit;

/// <summary>
/// The one spawn path, from this process (a .NET runtime that ignores SIGPIPE and holds descriptors
/// of its own): what the child starts with, and how failures come back.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class SpawnerTests
{
    /// <summary>Runs <paramref name="script"/> under sh with stdout and stderr to a file; returns what it printed.</summary>
    private static string Spawned(TempDirectory temp, string script, Func<int, SpawnRequest>? request = null)
    {
        int output = Sys.Open(temp["out"], O_WRONLY | O_CREAT | O_TRUNC, 420);
        Assert.That(output, Is.GreaterThanOrEqualTo(0));
        try
        {
            var r = request?.Invoke(output) ?? new SpawnRequest { Path = "/bin/sh", Arguments = ["sh", "-c", script], Stdout = output, Stderr = output };
            Assert.That(Spawner.Spawn(r, out int pid), Is.EqualTo(0));
            Assert.That(Sys.WaitPid(pid, out int status, 0), Is.EqualTo(pid));
            Assert.That(WaitStatus.ExitCode(status), Is.EqualTo(0), File.ReadAllText(temp["out"]));
        }
        finally { Sys.Close(output); }
        return File.ReadAllText(temp["out"]);
    }

    private static string Field(string status, string name) =>
        status.Split('\n').First(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim();

    [Test, MaxTime(10_000)]
    public void The_child_has_no_blocked_or_ignored_signal_though_this_process_ignores_SIGPIPE()
    {
        using var temp = new TempDirectory();
        Assert.That(SignalSet.ParseHex(Field(File.ReadAllText("/proc/self/status"), "SigIgn")).Contains(SIGPIPE), Is.True, "the runtime ignores SIGPIPE");

        // cat itself, no shell: dash blocks every signal around its forks, so a shell's own status would say nothing of ours.
        string status = Spawned(temp, "", output => new SpawnRequest { Path = "/bin/cat", Arguments = ["cat", "/proc/self/status"], Stdout = output, Stderr = output });

        Assert.That(Field(status, "SigBlk"), Is.EqualTo("0000000000000000"));
        Assert.That(Field(status, "SigIgn"), Is.EqualTo("0000000000000000"));
    }

    [Test, MaxTime(10_000)]
    public void A_signal_asked_to_stay_ignored_stays_ignored_and_only_that_one()
    {
        using var temp = new TempDirectory();

        string status = Spawned(temp, "", output => new SpawnRequest
        {
            Path = "/bin/cat", Arguments = ["cat", "/proc/self/status"], Stdout = output, Stderr = output,
            KeepIgnored = SignalSet.Of(SIGPIPE, SIGHUP),   // SIGHUP is not ignored here: it is reset all the same
        });

        Assert.That(SignalSet.ParseHex(Field(status, "SigIgn")), Is.EqualTo(SignalSet.Of(SIGPIPE)));
    }

    [Test, MaxTime(10_000)]
    public void The_child_gets_only_0_1_and_2_even_when_a_descriptor_here_is_inheritable()
    {
        using var temp = new TempDirectory();
        int leaky = Sys.Open("/dev/null", O_RDONLY);
        Assert.That(Sys.SetCloseOnExec(leaky, false), Is.EqualTo(0));
        try
        {
            string fds = Spawned(temp, "ls /proc/$$/fd; true"); // not last: dash would exec ls, which lists its own fd 3

            Assert.That(fds.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "0", "1", "2" }), $"fd {leaky} was inheritable here");
        }
        finally { Sys.Close(leaky); }
    }

    [Test, MaxTime(10_000)]
    public void The_child_leads_a_session_of_its_own_in_the_directory_asked_for()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp["cwd"]);

        string printed = Spawned(temp, "", output => new SpawnRequest
        {
            Path = "/bin/sh", Arguments = ["sh", "-c", "echo $$; cut -d' ' -f6 /proc/$$/stat; pwd"], Stdout = output, Stderr = output,
            WorkingDirectory = temp["cwd"],
        });

        var lines = printed.Split('\n');
        Assert.That(lines[1], Is.EqualTo(lines[0]), "session id = its pid");
        Assert.That(lines[2], Is.EqualTo(temp["cwd"]));
    }

    [Test, MaxTime(10_000)]
    public void Extra_descriptors_arrive_at_the_numbers_asked_for()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp["data"], "through fd 5\n");
        int data = Sys.Open(temp["data"], O_RDONLY);
        try
        {
            string printed = Spawned(temp, "", output => new SpawnRequest
            {
                Path = "/bin/sh", Arguments = ["sh", "-c", "cat <&5; ls /proc/$$/fd; true"], Stdout = output, Stderr = output,
                ExtraFds = [(data, 5)],
            });

            Assert.That(printed, Is.EqualTo("through fd 5\n0\n1\n2\n5\n"));
        }
        finally { Sys.Close(data); }
    }

    [TestCase("/nonexistent/program", ENOENT)]
    [TestCase("/etc/passwd", EACCES)]
    [MaxTime(5_000)]
    public void A_program_that_cannot_be_started_returns_its_errno_and_no_pid(string path, int errno)
    {
        int rc = Spawner.Spawn(new SpawnRequest { Path = path, Arguments = [path] }, out int pid);

        Assert.That((rc, pid), Is.EqualTo((errno, 0)));
    }

    [Test, MaxTime(10_000)]
    public void A_refused_file_action_fails_the_spawn_with_its_error_and_starts_nothing()
    {
        const int EBADF = 9;
        using var temp = new TempDirectory();
        var request = new SpawnRequest
        {
            Path = "/bin/sh",
            Arguments = ["sh", "-c", $"touch '{temp["ran"]}'"],
            ExtraFds = [(int.MaxValue, 5)],   // no such descriptor: posix_spawn_file_actions_adddup2 says EBADF
        };

        int rc = Spawner.Spawn(request, out int pid);

        Assert.That((rc, pid, Sys.Errno), Is.EqualTo((EBADF, 0, EBADF)));
        Assert.That(File.Exists(temp["ran"]), Is.False, "the command must not have run");
    }

    [Test, MaxTime(5_000)]
    public void Descriptors_are_copied_in_an_order_that_overwrites_none_still_to_be_copied()
    {
        // (5 → 3, 3 → 4): 3 must reach 4 before 5 overwrites it; (6 ⇄ 7) is a cycle, broken through a spare number.
        (int Source, int Target)[] moves = [(5, 3), (3, 4), (9, 9), (6, 7), (7, 6), (1, 1)];

        var ordered = Spawner.Ordered(moves);

        // Replay the dup2 calls on a table of what each number holds.
        var holds = Enumerable.Range(0, 16).ToDictionary(fd => fd, fd => fd);
        foreach (var (source, target) in ordered) holds[target] = holds[source];
        foreach (var (source, target) in moves) Assert.That(holds[target], Is.EqualTo(source), $"fd {target} must end up with what {source} was: {string.Join(", ", ordered)}");
        var spares = ordered.Select(m => m.Target).Except(moves.Select(m => m.Target)).ToList();
        Assert.That(spares, Is.Not.Empty.And.All.GreaterThan(9), "the cycle goes through a number above every one in use (closefrom closes it)");
    }

    [Test, MaxTime(5_000)]
    public void A_cycle_among_stdin_and_stdout_goes_through_a_number_above_stderr()
    {
        // Swapping 0 and 1 with 2 inherited: the spare must not be 2, or the child loses its stderr.
        (int Source, int Target)[] moves = [(0, 1), (1, 0)];

        var ordered = Spawner.Ordered(moves);

        var spares = ordered.Select(m => m.Target).Except(moves.Select(m => m.Target)).ToList();
        Assert.That(spares, Is.Not.Empty.And.All.GreaterThan(2), string.Join(", ", ordered));
    }

    [Test, MaxTime(10_000)]
    public void Two_descriptors_swapped_on_their_way_to_the_child_arrive_each_at_the_others_number()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp["a"], "");
        File.WriteAllText(temp["b"], "");
        int a = Sys.Open(temp["a"], O_RDONLY), b = Sys.Open(temp["b"], O_RDONLY);
        // Numbers of our own choosing, free here, so that each source is the other's target.
        int x = Enumerable.Range(300, 1000).First(fd => !File.Exists($"/proc/self/fd/{fd}") && !File.Exists($"/proc/self/fd/{fd + 1}")), y = x + 1;
        Assert.That(Sys.Dup2(a, x), Is.EqualTo(x));
        Assert.That(Sys.Dup2(b, y), Is.EqualTo(y));
        Sys.SetCloseOnExec(x, true);
        Sys.SetCloseOnExec(y, true);
        try
        {
            string seen = Spawned(temp, "", output => new SpawnRequest
            {
                Path = "/bin/sh", Arguments = ["sh", "-c", $"readlink /proc/$$/fd/{x} /proc/$$/fd/{y}"], Stdout = output, Stderr = output,
                ExtraFds = [(x, y), (y, x)],
            });

            Assert.That(seen, Is.EqualTo($"{temp["b"]}\n{temp["a"]}\n"), "in the given order, both would be a's");
        }
        finally
        {
            foreach (int fd in new[] { a, b, x, y }) Sys.Close(fd);
        }
    }
}
