using System.Text;
using Init.Accounts;
using Init.Tests.Utmpset;

namespace Init.Tests.Unit;

/// <summary>The utmp codec against the tests' own reading of struct utmp (<see cref="UtmpEntry"/>).</summary>
[TestFixture, Category("Fast")]
public class UtmpRecordTests
{
    private static byte[] Bytes(string s) => Encoding.ASCII.GetBytes(s);

    [TestCase("tty1", "tty1", true)]
    [TestCase("tty1", "tty10", false)]
    [TestCase("tty10", "tty1", false)]
    [TestCase("tty1", "tty", false)]
    [TestCase("pts/3", "pts/3", true)]
    [TestCase("0123456789abcdefghijklmnopqrstuv", "0123456789abcdefghijklmnopqrstuv", true)]
    [TestCase("0123456789abcdefghijklmnopqrstuv", "0123456789abcdefghijklmnopqrstu", false)]
    [MaxTime(5_000)]
    public void A_line_matches_only_itself(string recordLine, string line, bool matches)
    {
        byte[] record = UtmpEntry.LoggedIn(recordLine, "bob", 42, 1_600_000_000).ToBytes();

        Assert.That(UtmpRecord.IsLoggedIn(record, Bytes(line)), Is.EqualTo(matches));
    }

    [Test, MaxTime(5_000)]
    public void A_record_without_a_user_or_a_line_too_long_never_matches()
    {
        byte[] nobody = (UtmpEntry.LoggedIn("tty1", "", 42, 1) with { Type = UtmpEntry.DeadProcess }).ToBytes();
        byte[] login = UtmpEntry.LoggedIn("tty1", "bob", 42, 1).ToBytes();

        Assert.That(UtmpRecord.IsLoggedIn(nobody, Bytes("tty1")), Is.False);
        Assert.That(UtmpRecord.IsLoggedIn(login, Bytes("tty1" + new string('x', 29))), Is.False);
        Assert.That(UtmpRecord.IsLoggedIn(login.AsSpan(0, 383), Bytes("tty1")), Is.False, "a torn record");
    }

    [Test, MaxTime(5_000)]
    public void A_logout_in_utmp_clears_user_and_host_and_keeps_the_rest()
    {
        var before = UtmpEntry.LoggedIn("tty1", "bob", 42, 1_600_000_000);
        byte[] record = before.ToBytes();

        UtmpRecord.LogOut(record, 1_700_000_123);

        Assert.That(UtmpEntry.Read(record), Is.EqualTo(before with { Type = UtmpEntry.DeadProcess, User = "", Host = "", Seconds = 1_700_000_123 }));
    }

    [Test, MaxTime(5_000)]
    public void A_logout_in_wtmp_names_the_line_the_type_and_the_time_alone()
    {
        byte[] record = new byte[UtmpRecord.Size];
        record.AsSpan().Fill(0x55);

        UtmpRecord.WriteLogout(record, Bytes("0123456789abcdefghijklmnopqrstuv"), 1_700_000_123);

        Assert.That(UtmpEntry.Read(record), Is.EqualTo(new UtmpEntry(UtmpEntry.DeadProcess, 0, "0123456789abcdefghijklmnopqrstuv", "", "", "", Seconds: 1_700_000_123)));
    }

    [Test, MaxTime(5_000)]
    public void A_time_after_2038_is_written_as_its_low_32_bits()
    {
        byte[] record = UtmpEntry.LoggedIn("tty1", "bob", 42, 1).ToBytes();

        UtmpRecord.LogOut(record, 3_000_000_000);

        Assert.That(UtmpEntry.Read(record).Seconds, Is.EqualTo(3_000_000_000u));
    }
}
