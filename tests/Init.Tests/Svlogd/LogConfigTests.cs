using System.Text;
using Init.Logging;

namespace Init.Tests.Svlogd;

/// <summary>The config parser: runit's defaults, each line kind, and properties over generated configs.</summary>
[TestFixture, Category("Fast")]
public sealed class LogConfigTests
{
    private static LogConfig Parse(string text) => LogConfig.Parse(Encoding.UTF8.GetBytes(text));

    [Test]
    [MaxTime(10_000)]
    public void An_empty_config_has_runit_s_defaults()
    {
        var c = Parse("");
        Assert.That((c.SizeMax, c.NumMax, c.NumMin, c.Timeout, c.Processor, c.UdpPort, c.Patterns.Count),
            Is.EqualTo((1_000_000UL, 10UL, 10UL, 0UL, (string?)null, (ushort)0, 0)));
    }

    [Test]
    [MaxTime(10_000)]
    public void Every_line_kind_is_understood()
    {
        var c = Parse("# comment\ns4096\nn5\nN2\nt60\n!gzip -c\nu10.0.0.1:5140\npweb: \n+*\n-*debug*\ne*error*\nE*noise*\n");
        Assert.That(c.SizeMax, Is.EqualTo(4096UL));
        Assert.That((c.NumMax, c.NumMin, c.Timeout), Is.EqualTo((5UL, 2UL, 60UL)));
        Assert.That(c.Processor, Is.EqualTo("gzip -c"));
        Assert.That(c.UdpAddressBytes, Is.EqualTo(new byte[] { 10, 0, 0, 1 }));
        Assert.That((c.UdpPort, c.UdpOnly), Is.EqualTo(((ushort)5140, false)));
        Assert.That(Encoding.UTF8.GetString(c.Prefix), Is.EqualTo("web: "));
        Assert.That(c.Patterns.Select(p => p.Kind + Encoding.UTF8.GetString(p.Pattern)),
            Is.EqualTo(new[] { "+*", "-*debug*", "e*error*", "E*noise*" }));
    }

    [TestCase("s10k", 10UL * 1024)]
    [TestCase("s2m", 2UL * 1024 * 1024)]
    [TestCase("s123x", 123UL)]
    [TestCase("s0", 0UL)]
    [MaxTime(10_000)]
    public void Sizes_take_k_and_m_suffixes(string line, ulong expected) => Assert.That(Parse(line + "\n").SizeMax, Is.EqualTo(expected));

    [TestCase("t5", 5UL)]
    [TestCase("t5m", 300UL)]
    [TestCase("t2h", 7200UL)]
    [MaxTime(10_000)]
    public void Timeouts_take_m_and_h_suffixes(string line, ulong expected) => Assert.That(Parse(line + "\n").Timeout, Is.EqualTo(expected));

    [Test]
    [MaxTime(10_000)]
    public void Udp_only_and_the_default_port()
    {
        var c = Parse("U192.168.1.2\n");
        Assert.That((c.UdpOnly, c.UdpPort), Is.EqualTo((true, (ushort)514)));
        Assert.That(Parse("ubad\n").Warnings, Has.Some.StartsWith("unable to scan ip address"));
    }

    [Test]
    [MaxTime(10_000)]
    public void The_last_byte_of_a_config_without_newline_is_never_a_line_of_its_own()
    {
        // runit's loop runs while i + 1 < len: a trailing one-character line is ignored.
        Assert.That(Parse("n3\ns").SizeMax, Is.EqualTo(1_000_000UL));
        Assert.That(Parse("n3").NumMax, Is.EqualTo(3UL));
    }

    [Test]
    [MaxTime(10_000)]
    public void Generated_configs_round_trip_their_values_and_keep_pattern_order()
    {
        var random = new Random(7);
        for (int i = 0; i < 500; i++)
        {
            ulong s = (ulong)random.Next(0, 10_000_000), n = (ulong)random.Next(0, 100), t = (ulong)random.Next(0, 100000);
            var patterns = Enumerable.Range(0, random.Next(5)).Select(k => "+-eE"[random.Next(4)] + "*p" + k + "*").ToList();
            var lines = new List<string> { $"s{s}", $"n{n}", $"t{t}", "# c" };
            lines.AddRange(patterns);
            var shuffled = lines.OrderBy(_ => random.Next()).ToList();
            // Patterns keep their relative order however other lines are interleaved.
            var order = shuffled.Where(l => patterns.Contains(l)).ToList();

            var c = Parse(string.Join('\n', shuffled) + "\n");

            Assert.That((c.SizeMax, c.NumMax, c.Timeout), Is.EqualTo((s, n, t)));
            Assert.That(c.Patterns.Select(p => p.Kind + Encoding.ASCII.GetString(p.Pattern)), Is.EqualTo(order));
        }
    }

    [Test]
    [MaxTime(10_000)]
    public void Arbitrary_bytes_never_make_the_parser_throw()
    {
        var random = new Random(11);
        for (int i = 0; i < 3000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            for (int k = 0; k < bytes.Length; k++) if (random.Next(4) == 0) bytes[k] = (byte)"\nsnNt!uUp+-eE:.0123456789"[random.Next(24)];
            Assert.DoesNotThrow(() => LogConfig.Parse(bytes));
        }
    }
}
