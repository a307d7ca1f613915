using System.Net;
using System.Text;
using Init.Supervision;

namespace Init.Tests.Unit;

/// <summary>The <c>listen</c> file: what each line declares, and the words for each bad one.</summary>
public class ListenFileTests
{
    private static (List<ListenDeclaration> Declared, List<string> Warnings) Parse(string text)
    {
        var warnings = new List<string>();
        return (ListenFile.Parse(Encoding.UTF8.GetBytes(text), warnings.Add), warnings);
    }

    [Test, MaxTime(5_000)]
    public void Each_line_declares_a_socket_in_order_with_its_name_or_systemds_unknown()
    {
        var (declared, warnings) = Parse("# web\nstream 127.0.0.1:8080 http\n\n  stream\t[::]:8080  \ndatagram 0.0.0.0:5353 mdns\r\nstream /run/app.sock\ndatagram @app\n");

        Assert.That(warnings, Is.Empty);
        Assert.That(declared.Select(d => (d.Stream, d.Address, d.Name)), Is.EqualTo(new[]
        {
            (true, "127.0.0.1:8080", "http"), (true, "[::]:8080", "unknown"), (false, "0.0.0.0:5353", "mdns"),
            (true, "/run/app.sock", "unknown"), (false, "@app", "unknown"),
        }));
        Assert.That(declared[0].SocketAddress, Is.EqualTo(new byte[] { 2, 0, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 }), "struct sockaddr_in, port in network order");
        Assert.That(declared[1].SocketAddress, Has.Length.EqualTo(28));
        Assert.That(declared[3].FilePath, Is.EqualTo("/run/app.sock"));
        Assert.That(declared[4].FilePath, Is.Null, "an abstract name has no file");
        Assert.That(declared[4].SocketAddress, Is.EqualTo(new byte[] { 1, 0, 0, (byte)'a', (byte)'p', (byte)'p' }), "abstract: a leading NUL, no terminator");
    }

    [TestCase("bogus 127.0.0.1:80", "line 1: not stream or datagram: \"bogus\": ignored")]
    [TestCase("stream", "line 1: no address after stream: ignored")]
    [TestCase("stream 127.0.0.1", "line 1: not IPV4:PORT, [IPV6]:PORT, /PATH or @NAME: \"127.0.0.1\": ignored")]
    [TestCase("stream 1.2.3:80", "line 1: not IPV4:PORT, [IPV6]:PORT, /PATH or @NAME: \"1.2.3:80\": ignored")]
    [TestCase("stream 127.0.0.1:0", "line 1: not IPV4:PORT, [IPV6]:PORT, /PATH or @NAME: \"127.0.0.1:0\": ignored")]
    [TestCase("stream 127.0.0.1:65536", "line 1: not IPV4:PORT, [IPV6]:PORT, /PATH or @NAME: \"127.0.0.1:65536\": ignored")]
    [TestCase("stream 256.0.0.1:80", "line 1: not IPV4:PORT, [IPV6]:PORT, /PATH or @NAME: \"256.0.0.1:80\": ignored")]
    [TestCase("stream ::1:80", "line 1: not IPV4:PORT, [IPV6]:PORT, /PATH or @NAME: \"::1:80\": ignored")]
    [TestCase("stream [1::2::3]:80", "line 1: not IPV4:PORT, [IPV6]:PORT, /PATH or @NAME: \"[1::2::3]:80\": ignored")]
    [TestCase("stream run/app.sock", "line 1: not IPV4:PORT, [IPV6]:PORT, /PATH or @NAME: \"run/app.sock\": ignored")]
    [TestCase("stream 127.0.0.1:80 a:b", "line 1: not a name for LISTEN_FDNAMES (printable ASCII, no ':', at most 255): \"a:b\": ignored")]
    [TestCase("stream 127.0.0.1:80 http extra", "line 1: not KIND ADDRESS [NAME]: \"stream 127.0.0.1:80 http extra\": ignored")]
    [MaxTime(5_000)]
    public void A_bad_line_is_reported_with_its_number_and_left_out(string line, string warning)
    {
        var (declared, warnings) = Parse(line + "\n");

        Assert.That(declared, Is.Empty);
        Assert.That(warnings, Is.EqualTo(new[] { "listen: " + warning }));
    }

    [Test, MaxTime(5_000)]
    public void A_bad_line_leaves_the_others_and_a_socket_declared_twice_counts_once()
    {
        var (declared, warnings) = Parse("stream 127.0.0.1:80 web\nstream 127.0.0.1:8o\ndatagram 127.0.0.1:80\nstream 127.0.0.1:80 again\n");

        Assert.That(declared.Select(d => d.ToString()), Is.EqualTo(new[] { "stream 127.0.0.1:80", "datagram 127.0.0.1:80" }), "TCP and UDP ports are separate sockets");
        Assert.That(warnings, Is.EqualTo(new[]
        {
            "listen: line 2: not IPV4:PORT, [IPV6]:PORT, /PATH or @NAME: \"127.0.0.1:8o\": ignored",
            "listen: line 4: stream 127.0.0.1:80 declared twice (as 127.0.0.1:80 before): ignored",
        }));
    }

    [Test, MaxTime(5_000)]
    public void Binary_content_is_refused_as_a_whole_and_more_than_64_sockets_are_cut()
    {
        Assert.That(Parse("stream 127.0.0.1:80\0\n").Warnings, Is.EqualTo(new[] { "listen: not text: ignored" }));

        var (declared, warnings) = Parse(string.Concat(Enumerable.Range(1, 66).Select(p => $"stream 127.0.0.1:{p}\n")));

        Assert.That(declared, Has.Count.EqualTo(64));
        Assert.That(warnings, Is.EqualTo(new[] { "listen: line 65: more than 64 sockets: ignored", "listen: line 66: more than 64 sockets: ignored" }));
    }

    [TestCase("::", "::"), TestCase("::1", "::1"), TestCase("1::", "1::"), TestCase("2001:db8::8:800:200c:417a", "2001:db8::8:800:200c:417a")]
    [TestCase("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"), TestCase("::ffff:192.0.2.1", "::ffff:192.0.2.1"), TestCase("FE80::1", "fe80::1")]
    [MaxTime(5_000)]
    public void An_IPv6_address_reads_as_System_Net_reads_it(string text, string canonical)
    {
        var bytes = IpAddress.ParseV6(text);

        Assert.That(bytes, Is.Not.Null);
        Assert.That(new IPAddress(bytes!).ToString(), Is.EqualTo(canonical));
    }

    [TestCase("1:2:3:4:5:6:7"), TestCase("1:2:3:4:5:6:7:8:9"), TestCase("1::2:3:4:5:6:7:8"), TestCase(":1"), TestCase("1:"), TestCase("12345::"),
     TestCase("g::"), TestCase("1.2.3.4::"), TestCase("::1.2.3"), TestCase(""), TestCase("::1%eth0")]
    [MaxTime(5_000)]
    public void A_malformed_IPv6_address_is_none(string text) => Assert.That(IpAddress.ParseV6(text), Is.Null);

    [TestCase("1"), TestCase("1.2.3"), TestCase("1.2.3.4.5"), TestCase("01.2.3.4"), TestCase("0x7f.0.0.1"), TestCase("1.2.3."), TestCase("1..2.3"), TestCase("-1.2.3.4")]
    [MaxTime(5_000)]
    public void An_IPv4_address_is_four_plain_numbers_not_inet_atons_forms(string text) => Assert.That(IpAddress.ParseV4(text), Is.Null);
}
