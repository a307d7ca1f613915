using Init.Interop;
using Init.Runtime;

namespace Init.Tests.Unit;

/// <summary>The spawn path in-process: a child starts, and a file action glibc refuses fails the spawn before anything runs.</summary>
public class SpawnerTests
{
    private const int EBADF = 9;

    [Test]
    [MaxTime(10_000)]
    public void A_spawned_child_runs_and_is_reaped_with_its_status()
    {
        int rc = Spawner.Spawn(new SpawnRequest { Path = "/bin/sh", Arguments = ["sh", "-c", "exit 3"] }, out int pid);

        Assert.That((rc, pid > 0), Is.EqualTo((0, true)));
        Assert.That(Sys.WaitPid(pid, out int status, 0), Is.EqualTo(pid));
        Assert.That(WaitStatus.ExitCode(status), Is.EqualTo(3));
    }

    [Test]
    [MaxTime(10_000)]
    public void A_refused_file_action_fails_the_spawn_with_its_error_and_starts_nothing()
    {
        string marker = Path.Combine(Path.GetTempPath(), $"init-spawner-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var request = new SpawnRequest
        {
            Path = "/bin/sh",
            Arguments = ["sh", "-c", $"touch '{marker}'"],
            ExtraFds = [(int.MaxValue, 5)],   // no such descriptor: posix_spawn_file_actions_adddup2 says EBADF
        };

        int rc = Spawner.Spawn(request, out int pid);

        Assert.That((rc, pid, Sys.Errno), Is.EqualTo((EBADF, 0, EBADF)));
        Assert.That(File.Exists(marker), Is.False, "the command must not have run");
    }
}
