using System.Text;
using Init.Logging;
using Init.Supervision;
using Init.Runtime;

namespace Init.Tests.Svlogd;

[TestFixture, Category("Fast")]
public sealed class LogTimestampTests
{
    private static string Format(int mode, long unix, long nanos)
    {
        var buffer = new byte[LogTimestamp.Length];
        LogTimestamp.Write(buffer, mode, Tai64N.FromUnix(unix, nanos));
        return Encoding.ASCII.GetString(buffer);
    }

    [Test]
    [MaxTime(10_000)]
    public void The_three_stamp_forms_are_runit_s()
    {
        long t = 1_800_000_000; // 2027-01-15 08:00:00 UTC
        Assert.That(Format(1, t, 123_456_500), Is.EqualTo("@400000006b49d20a075bcbf4 "));
        Assert.That(Format(2, t, 123_456_500), Is.EqualTo("2027-01-15_08:00:00.12345 "));
        Assert.That(Format(3, t, 123_456_500), Is.EqualTo("2027-01-15T08:00:00.12345 "));
    }
}
