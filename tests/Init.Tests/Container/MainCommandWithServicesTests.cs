using Init.Tests.Support;

namespace Init.Tests.Container;

/// <summary>
/// Init's addition (issue 5, s6-overlay's CMD): <c>init --services DIR -- cmd</c> runs the service
/// directory's supervision tree alongside the main command; when the command exits the services
/// are stopped (d, then k after the grace, the killed ones named) and init exits with its code.
/// </summary>
[TestFixture]
public sealed class MainCommandWithServicesTests
{
    /// <summary>Waits (bounded) until both services wrote their pid, then notes which are alive, and exits 7.</summary>
    private const string MainCommand = """
        for i in $(seq 100); do [ -s quick.pid ] && [ -s stubborn.pid ] && break; sleep 0.05; done
        sleep 1
        for s in quick stubborn; do kill -0 "$(cat $s.pid)" 2>/dev/null && echo $s; done > during
        exit 7
        """;

    private static TempDirectory WithTwoServices()
    {
        var dir = new TempDirectory();
        dir.Script("service/quick/run", $"echo $$ > {dir["quick.pid"]}\nexec sleep 1000\n");
        dir.Script("service/stubborn/run", $"trap '' TERM\necho $$ > {dir["stubborn.pid"]}\nwhile :; do sleep 1; done\n");
        return dir;
    }

    private static bool Alive(TempDirectory dir, string service) =>
        int.TryParse(File.ReadAllText(dir[service + ".pid"]).Trim(), out int pid) && Directory.Exists($"/proc/{pid}");

    [Test, CancelAfter(20_000)]
    public void As_pid_1_the_services_run_with_the_command_and_are_stopped_when_it_exits_with_its_code()
    {
        using var dir = WithTwoServices();
        var env = new Dictionary<string, string?> { ["INIT_StopGraceSeconds"] = "1" };

        var r = Run.Command("/usr/bin/unshare", ["--fork", "--pid", "--mount-proc", Binary.Init, "--services", dir["service"], "--", "/bin/sh", "-c", MainCommand],
            dir.Path, env);

        Assert.That(r.ExitCode, Is.EqualTo(7), r.ToString());
        Assert.That(File.ReadAllLines(dir["during"]), Is.EqualTo(new[] { "quick", "stubborn" }), r.ToString());
        Assert.That(r.Stderr, Does.Contain("stage 3: quick: stopped"));
        Assert.That(r.Stderr, Does.Contain("stage 3: stubborn: killed after"));
        Assert.That(r.Stderr, Does.Contain("killed: stubborn"));
    }

    [Test, CancelAfter(20_000)]
    public void Not_as_pid_1_INIT_SERVICES_does_the_same_and_no_service_process_outlives_init()
    {
        using var dir = WithTwoServices();
        var env = new Dictionary<string, string?> { ["INIT_SERVICES"] = "service", ["INIT_StopGraceSeconds"] = "1" };

        var r = Run.Command(Binary.Applet("tini"), ["--", "/bin/sh", "-c", MainCommand], dir.Path, env);

        Assert.That(r.ExitCode, Is.EqualTo(7), r.ToString());
        Assert.That(File.ReadAllLines(dir["during"]), Is.EqualTo(new[] { "quick", "stubborn" }), r.ToString());
        Assert.That(Alive(dir, "quick") || Alive(dir, "stubborn"), Is.False, "a service outlived init\n" + r);
        Assert.That(r.Stderr, Does.Contain("killed: stubborn"));
    }

    [Test, CancelAfter(20_000)]
    public void A_signal_to_init_goes_to_the_command_and_its_death_by_that_signal_is_the_exit_code()
    {
        using var dir = WithTwoServices();
        var env = new Dictionary<string, string?> { ["INIT_StopGraceSeconds"] = "1" };

        // The command TERMs init (its parent) once the services are up; init forwards it back.
        var r = Run.Command(Binary.Init, ["--services", "service", "--", "/bin/sh", "-c",
            "for i in $(seq 100); do [ -s quick.pid ] && [ -s stubborn.pid ] && break; sleep 0.05; done; kill -TERM $PPID; sleep 10"],
            dir.Path, env);

        Assert.That(r.ExitCode, Is.EqualTo(128 + 15), r.ToString());
        Assert.That(Alive(dir, "quick") || Alive(dir, "stubborn"), Is.False, "a service outlived init\n" + r);
        Assert.That(r.Stderr, Does.Contain("container: stage 3 (main command exited)"));
    }

    [Test, CancelAfter(20_000)]
    public void A_command_that_cannot_start_still_stops_the_services_and_exits_127()
    {
        using var dir = WithTwoServices();

        var r = Run.Command("/usr/bin/unshare", ["--fork", "--pid", "--mount-proc", Binary.Init, "--services", dir["service"], "--", "/nonexistent"], dir.Path);

        Assert.That(r.ExitCode, Is.EqualTo(127), r.ToString());
        Assert.That(r.Stderr, Does.Contain("container: stage 3 (main command failed to start)"));
        Assert.That(r.Stderr, Does.Contain("container: stopped"));
    }
}
