using Init.Runtime;

namespace Init.Tests.Unit;

/// <summary>Wait statuses as the kernel encodes them: code in bits 8–15, signal in 0–6, core flag in 7, 0x7f for stopped.</summary>
[TestFixture, Category("Fast")]
public class WaitStatusTests
{
    private const int Exit0 = 0, Exit3 = 3 << 8, Killed9 = 9, SegvCore = 11 | 0x80, StoppedTstp = (20 << 8) | 0x7f;

    [Test]
    [MaxTime(5_000)]
    public void Exits_and_signals_are_told_apart()
    {
        Assert.That((WaitStatus.Exited(Exit3), WaitStatus.ExitCode(Exit3), WaitStatus.Signaled(Exit3)), Is.EqualTo((true, 3, false)));
        Assert.That((WaitStatus.Exited(Killed9), WaitStatus.Signaled(Killed9), WaitStatus.TermSignal(Killed9)), Is.EqualTo((false, true, 9)));
        Assert.That((WaitStatus.Signaled(SegvCore), WaitStatus.TermSignal(SegvCore)), Is.EqualTo((true, 11)));
        Assert.That((WaitStatus.Exited(StoppedTstp), WaitStatus.Signaled(StoppedTstp)), Is.EqualTo((false, false)));
    }

    [Test]
    [MaxTime(5_000)]
    public void Only_exit_0_succeeds()
    {
        Assert.That(WaitStatus.Succeeded(Exit0), Is.True);
        Assert.That(WaitStatus.Succeeded(Exit3), Is.False);
        Assert.That(WaitStatus.Succeeded(Killed9), Is.False);
    }

    [Test]
    [MaxTime(5_000)]
    public void Console_text_and_container_exit_codes()
    {
        Assert.That(WaitStatus.Describe(Exit3), Is.EqualTo("exit 3"));
        Assert.That(WaitStatus.Describe(Killed9), Is.EqualTo("signal 9"));
        Assert.That(WaitStatus.ToExitCode(Exit3), Is.EqualTo(3));
        Assert.That(WaitStatus.ToExitCode(Killed9), Is.EqualTo(137));
        Assert.That(WaitStatus.ToExitCode(SegvCore), Is.EqualTo(139));
    }
}
