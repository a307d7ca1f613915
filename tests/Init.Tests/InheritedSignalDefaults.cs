using Init.Interop;
using static Init.Interop.Consts;

namespace Init.Tests;

/// <summary>
/// Puts SIGINT and SIGQUIT back to their defaults when the suite was started with them ignored:
/// a shell hands them on ignored to anything it runs in the background (<c>bash .ci/run &amp;</c>),
/// ignored signals survive exec, and every test that sends them to a child would then fail for a
/// reason outside the code under test. Only an inherited SIG_IGN is touched: a handler the test
/// host installed itself stays. In the root namespace, so it runs before every fixture.
/// </summary>
[SetUpFixture]
public sealed class InheritedSignalDefaults
{
    [OneTimeSetUp]
    public void RestoreDefaults()
    {
        ulong ignored = IgnoredSignals();
        foreach (int signo in new[] { SIGINT, SIGQUIT })
            if ((ignored & (1UL << (signo - 1))) != 0) Sys.SetSignalDefault(signo);
    }

    private static ulong IgnoredSignals()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
                return Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16);
        return 0;
    }
}
