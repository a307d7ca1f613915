namespace Init.Tests.HangProof;

/// <summary>
/// Proof of the run's hang timeout: a test stuck where no [CancelAfter] reaches. Never in the
/// default run; run it with <c>dotnet cake --target=Test --filter=Category=HangProof --hang-timeout=20s</c>:
/// the run must stop after about 20 s, name this test and fail.
/// </summary>
[TestFixture, Explicit("hangs on purpose"), Category("HangProof")]
public sealed class HangProofTests
{
    [Test, CancelAfter(1_000)]
    public void A_test_stuck_outside_the_waits_of_Run_is_ended_by_the_runs_hang_timeout() => Thread.Sleep(Timeout.Infinite);
}
