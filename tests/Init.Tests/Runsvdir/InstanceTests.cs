using Init.Tests.Support;

namespace Init.Tests.Runsvdir;

/// <summary>
/// Templates and instances under our runsvdir (the engine and a runsv per service): <c>web@</c> is
/// never supervised; <c>web@8080</c>, a symlink to it or a directory of its own, runs the
/// template's ./run with 8080 as $1 and INSTANCE, each instance with its own state.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class InstanceTests
{
    /// <summary>Notes its arguments and INSTANCE in a file named after $1, beside the scanned directory.</summary>
    private const string TemplateRun = "#!/bin/sh\necho \"$# $1 $INSTANCE\" > \"$(dirname \"$(dirname \"$PWD\")\")/saw-$1\"\nexec sleep 1000\n";

    [TestCase("engine"), TestCase("process"), CancelAfter(60_000)]
    public void Each_instance_runs_the_templates_run_with_its_argument_and_its_own_state(string mode)
    {
        using var temp = new TempDirectory();
        temp.Script("sv/web@/run", TemplateRun);
        // ./finish gets runit's two arguments, then the instance's.
        temp.Script("sv/web@/finish", "#!/bin/sh\necho \"$# $3\" > \"$(dirname \"$(dirname \"$PWD\")\")/finished-$3\"\n");
        Directory.CreateDirectory(temp["service"]);
        File.CreateSymbolicLink(temp["service/web@8080"], temp["sv/web@"]);
        File.CreateSymbolicLink(temp["service/web@8081"], temp["sv/web@"]);
        File.CreateSymbolicLink(temp["service/web@"], temp["sv/web@"]);   // the template listed too: not a service
        temp.Write("service/web@9090/down", "");                         // a directory instance, with run from the template
        var runsvdir = Run.Background(Binary.Applet("runsvdir"), [temp["service"]], temp.Path, temp.Path, "runsvdir",
            new Dictionary<string, string?> { ["INIT_SUPERVISION"] = mode });
        try
        {
            Assert.That(Run.Until(() => File.Exists(temp["saw-8080"]) && File.Exists(temp["saw-8081"]), 15_000), Is.True, File.ReadAllText(temp["runsvdir.err"]));
            Assert.That(File.ReadAllText(temp["saw-8080"]), Is.EqualTo("1 8080 8080\n"), "$# $1 $INSTANCE");
            Assert.That(File.ReadAllText(temp["saw-8081"]), Is.EqualTo("1 8081 8081\n"));
            Assert.That(Directory.Exists(temp["sv/web@/supervise"]), Is.False, "the template itself is not supervised");
            Assert.That(Directory.Exists(temp["sv/web@/supervise@8080"]) && Directory.Exists(temp["sv/web@/supervise@8081"]), Is.True, "each instance keeps its own state");

            string sv = Binary.Applet("sv");
            string status8080 = Run.Command(sv, "status", temp["service/web@8080"]).Stdout;
            string status8081 = Run.Command(sv, "status", temp["service/web@8081"]).Stdout;
            Assert.That(status8080, Does.StartWith($"run: {temp["service/web@8080"]}: (pid "));
            Assert.That(status8081, Does.StartWith($"run: {temp["service/web@8081"]}: (pid ").And.Not.EqualTo(status8080.Replace("8080", "8081")), "two processes");

            // The directory instance starts down (its own down file): sv up starts the template's run in it.
            string nineNinety = temp["service/web@9090"];
            Assert.That(Run.Command(Supervised.RunitSv, "-w", "10", "up", nineNinety).Stdout, Does.StartWith($"ok: run: {nineNinety}: (pid "),
                "runit's sv drives a directory instance");
            Assert.That(Run.Until(() => File.Exists(temp["saw-9090"]), 5_000), Is.True);
            Assert.That(File.ReadAllText(temp["saw-9090"]), Is.EqualTo("1 9090 9090\n"));

            Assert.That(Run.Command(sv, "-w", "10", "down", temp["service/web@8080"]).Stdout, Does.StartWith($"ok: down: {temp["service/web@8080"]}: "));
            Assert.That(Run.Command(sv, "status", temp["service/web@8081"]).Stdout, Does.StartWith("run: "), "the other instance runs on");
            Assert.That(Run.Until(() => File.Exists(temp["finished-8080"]), 5_000), Is.True, "the template's ./finish ran for the instance");
            Assert.That(File.ReadAllText(temp["finished-8080"]), Is.EqualTo("3 8080\n"));
            Assert.That(Run.Command(sv, "-w", "10", "down", nineNinety).Stdout, Does.StartWith($"ok: down: {nineNinety}: "));
            Assert.That(Run.Until(() => File.Exists(temp["finished-9090"]), 5_000), Is.True, "a directory instance runs its template's ./finish too");
            Reliability.Record("lifecycle", $"template web@ with instances web@8080, web@8081 (symlinks) and web@9090 (a directory) ({mode})", 1,
                "each ran the template's run with its ARG as $1 and INSTANCE; the template was not supervised; sv down of one left the other running");
        }
        finally { RunsvdirTests.Stop(runsvdir); }
    }
}
