using Init.Interop;
using Init.Supervision;

namespace Init.Tests.Unit;

/// <summary>The hand-over's record of descriptors and wants, and the identity line adoption trusts.</summary>
public class HandoverTests
{
    [Test, MaxTime(5_000)]
    public void Records_written_to_the_memfd_read_back_the_same_with_odd_directory_names()
    {
        var records = new List<(string, HandoverRecord)>
        {
            ("web", new HandoverRecord("/etc/sv/web", (5, 6, 7), (8, 9, 10), 11, 12, (Want.Up, Want.Up))),
            ("db", new HandoverRecord("/srv/my services/db", (13, 14, 15), (-1, -1, -1), -1, -1, (Want.Exit, Want.Up))),
            ("-dash", new HandoverRecord("/etc/sv/-dash", (16, 17, 18), (-1, -1, -1), -1, -1, (Want.Down, Want.Up))),
        };
        int fd = Handover.Write(records);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0), "memfd_create");

        var back = Handover.Read(fd);

        Assert.That(back, Is.EqualTo(records));
        Assert.That(back[1].Record.Descriptors, Is.EqualTo(new[] { 13, 14, 15 }), "no -1 among the descriptors passed on");
    }

    [Test, MaxTime(5_000)]
    public void A_name_with_a_newline_is_left_out_rather_than_corrupting_the_others()
    {
        var records = new List<(string, HandoverRecord)>
        {
            ("bad\nname", new HandoverRecord("/etc/sv/bad\nname", (5, 6, 7), (-1, -1, -1), -1, -1, (Want.Up, Want.Up))),
            ("good", new HandoverRecord("/etc/sv/good", (8, 9, 10), (-1, -1, -1), -1, -1, (Want.Up, Want.Up))),
        };

        var back = Handover.Read(Handover.Write(records));

        Assert.That(back.Select(r => r.Name), Is.EqualTo(new[] { "good" }));
    }

    [TestCase(""), MaxTime(5_000)]
    [TestCase("12 abc 016597b2")]
    [TestCase("-3 100 boot")]
    [TestCase("12 100")]
    public void An_identity_line_that_does_not_parse_identifies_nobody(string line) =>
        Assert.That(ProcessIdentity.Parse(line), Is.Null);

    [Test, MaxTime(5_000)]
    public void The_identity_of_this_process_matches_itself_and_not_a_different_start_time()
    {
        var self = ProcessIdentity.Of(Sys.GetPid());
        Assert.That(self, Is.Not.Null);
        Assert.That(ProcessIdentity.Parse(self!.Value.ToString()), Is.EqualTo(self));
        Assert.That(self.Value.StillRunning, Is.True);
        Assert.That((self.Value with { StartTicks = self.Value.StartTicks + 1 }).StillRunning, Is.False, "a reused pid starts at another time");
    }
}
