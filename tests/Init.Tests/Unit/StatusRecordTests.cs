using Init.Supervision;
using Init.Runtime;

namespace Init.Tests.Unit;

[TestFixture, Category("Fast")]
public class StatusRecordTests
{
    [Test, MaxTime(5_000)]
    public void A_captured_runit_record_decodes_field_by_field()
    {
        // Captured from runit's runsv (reference §1.1): pid 2590, running, want up.
        byte[] captured = [0x40, 0, 0, 0, 0x6b, 0x04, 0x96, 0xa7, 0x1b, 0x19, 0x53, 0x14, 0x1e, 0x0a, 0, 0, 0, 0x75, 0, 1];

        Assert.That(StatusRecord.TryRead(captured, out var r), Is.True);

        Assert.Multiple(() =>
        {
            Assert.That(r.Pid, Is.EqualTo(2590));
            Assert.That(r.State, Is.EqualTo(RunState.Run));
            Assert.That(r.Want, Is.EqualTo('u'));
            Assert.That(r.Paused, Is.False);
            Assert.That(r.TermSent, Is.False);
            Assert.That(r.Since.Seconds, Is.EqualTo(0x400000006b0496a7UL));
            Assert.That(r.Since.Nanoseconds, Is.EqualTo(0x1b195314u));
            Assert.That(r.ToBytes(), Is.EqualTo(captured));
        });
    }

    [Test, MaxTime(5_000)]
    public void Every_field_combination_round_trips_through_the_20_bytes()
    {
        var random = new Random(42);
        for (int i = 0; i < 2000; i++)
        {
            var record = new StatusRecord(
                new Tai64N(Tai64N.UnixEpoch + (ulong)random.NextInt64(0, 1L << 40), (uint)random.Next(0, 999_999_999)),
                random.Next(0, int.MaxValue), random.Next(2) == 1, random.Next(2) == 1 ? 'u' : 'd', random.Next(2) == 1,
                (RunState)random.Next(3));
            Assert.That(StatusRecord.TryRead(record.ToBytes(), out var back), Is.True);
            Assert.That(back, Is.EqualTo(record));
        }
    }

    [Test, MaxTime(5_000)]
    public void Pid_is_little_endian_and_timestamp_big_endian()
    {
        var bytes = new StatusRecord(new Tai64N(0x0102030405060708, 0x090a0b0c), 0x11223344, true, 'd', true, RunState.Finish).ToBytes();
        Assert.That(bytes, Is.EqualTo(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x44, 0x33, 0x22, 0x11, 1, (byte)'d', 1, 2 }));
    }

    [TestCase(18)]
    [TestCase(0)]
    [TestCase(21)]
    [MaxTime(5_000)]
    public void Records_of_the_wrong_size_are_rejected(int size)
    {
        Assert.That(StatusRecord.TryRead(new byte[size], out _), Is.False);
    }

    [Test]
    [MaxTime(5_000)]
    public void Stat_text_has_runit_suffixes_in_runit_order()
    {
        var since = Tai64N.FromUnix(0, 0);
        Assert.Multiple(() =>
        {
            Assert.That(new StatusRecord(since, 1, true, 'd', true, RunState.Run).StatText(false), Is.EqualTo("run, paused, got TERM, want down\n"));
            Assert.That(new StatusRecord(since, 1, false, 'd', false, RunState.Finish).StatText(true), Is.EqualTo("finish, want exit\n"));
            Assert.That(new StatusRecord(since, 0, false, 'd', false, RunState.Down).StatText(false), Is.EqualTo("down\n"));
        });
    }
}
