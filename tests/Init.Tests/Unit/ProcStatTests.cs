using Init.Runtime;

namespace Init.Tests.Unit;

/// <summary>The one reader of /proc/PID/stat: fields counted from the command name's last ')'.</summary>
[TestFixture, Category("Fast")]
public class ProcStatTests
{
    /// <summary>A line as Linux 6.1 writes it, 52 fields, with a command name that holds ") S 1 (".</summary>
    private const string Line = "4242 (x) S 1 (y) T 17 4242 4242 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 0 0 " +
        "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 140730000000000 140730000000042 140730000000100 140730000000200 0";

    [Test, MaxTime(5_000)]
    public void Fields_after_a_command_name_holding_parentheses_are_counted_from_its_last()
    {
        var stat = ProcStat.Parse(Line);

        Assert.That(stat, Is.EqualTo(new ProcStat(4242, "x) S 1 (y", 'T', 17, 4194560, 987654, 140730000000000, 140730000000042)));
        Assert.That(stat!.Value.Gone, Is.False);
    }

    [TestCase("7 (a) Z 1 7 7 0 -1 4194560 0 0", true)]
    [TestCase("7 (a) X 1 7 7 0 -1 4194560 0 0", true)]
    [TestCase("7 (a) R 1 7 7 0 -1 4194560 0 0", false)]
    [MaxTime(5_000)]
    public void A_zombie_or_dead_process_is_gone_and_fields_a_short_line_lacks_are_zero(string line, bool gone)
    {
        var stat = ProcStat.Parse(line);

        Assert.That(stat, Is.Not.Null);
        Assert.That((stat!.Value.Gone, stat.Value.StartTicks, stat.Value.ArgEnd), Is.EqualTo((gone, 0UL, 0UL)));
    }

    [TestCase(""), TestCase("garbage"), TestCase("12 (x) S"), TestCase("x (y) S 1 1 1 0 -1 0"), TestCase("12 (x) SS 1 1 1 0 -1 0")]
    [MaxTime(5_000)]
    public void Lines_without_the_first_nine_fields_are_refused(string line) => Assert.That(ProcStat.Parse(line), Is.Null);

    [Test, MaxTime(5_000)]
    public void Our_own_stat_names_us_running_with_our_parent_and_argument_range()
    {
        var self = ProcStat.OfSelf();

        Assert.That(self, Is.Not.Null);
        Assert.That(self!.Value.Pid, Is.EqualTo(Environment.ProcessId));
        Assert.That(self.Value.ParentPid, Is.EqualTo(ProcStat.Of(Environment.ProcessId)!.Value.ParentPid).And.GreaterThan(0));
        Assert.That(self.Value.ArgEnd, Is.GreaterThan(self.Value.ArgStart));
        Assert.That(self.Value.StartTicks, Is.GreaterThan(0UL));
    }
}
