using Init.Tests.Support;

namespace Init.Tests.Runsv;

/// <summary>
/// Who may use a supervisor (#13's security part): supervise/ and its files get the modes runit's
/// runsv gives them (0700, the lock and FIFOs 0600), under our runsv and the engine side by side
/// with runit's, so a non-root user gets runit's refusal from either.
/// </summary>
public class SupervisePermissionsTests
{
    private static readonly string[] Files = ["", "lock", "control", "ok", "status", "stat", "pid"];

    private static Dictionary<string, string> Modes(string supervise) =>
        Files.ToDictionary(f => f, f => Convert.ToString((int)File.GetUnixFileMode(f.Length == 0 ? supervise : Path.Combine(supervise, f)) & 0xFFF, 8));

    [Test, CancelAfter(30_000)]
    [Category("Reliability")]
    public void Supervise_and_its_files_have_runits_modes_under_our_runsv_and_the_engine()
    {
        using var temp = new TempDirectory();
        foreach (string name in new[] { "runit", "ours", "engine" }) temp.Script($"{name}/run", "#!/bin/sh\nexec sleep 1000\n");
        using var runit = new Supervised(temp["runit"], Supervised.RunitRunsv);
        using var ours = new Supervised(temp["ours"]);
        using var engine = new Supervised(temp["engine"], Supervised.Engine);
        foreach (var s in new[] { runit, ours, engine }) s.WaitRunning();

        var expected = Modes(runit.Supervise());
        Assert.That(expected[""], Is.EqualTo("700"), "runit's own: supervise/ is 0700");
        Assert.That((expected["lock"], expected["control"], expected["ok"]), Is.EqualTo(("600", "600", "600")));
        Assert.That(Modes(ours.Supervise()), Is.EqualTo(expected), "our runsv");
        Assert.That(Modes(engine.Supervise()), Is.EqualTo(expected), "the engine");
        Reliability.Record("security", "modes of supervise/ and its files, runit's runsv beside ours and the engine", 1,
            "the same: supervise/ 0700, lock, control and ok 0600", peer: "runit: the same");
    }
}
