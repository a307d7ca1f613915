using System.Net;
using System.Net.Sockets;
using System.Text;
using Init.Tests.Support;

namespace Init.Tests.Svlogd;

/// <summary>The u/U config lines send each selected line as a UDP datagram, like runit's svlogd.</summary>
[TestFixture]
public sealed class SvlogdUdpTests
{
    private static List<string> Receive(string svlogd, string config, string input)
    {
        using var dir = new TempDirectory();
        using var listener = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)listener.Client.LocalEndPoint!).Port;
        dir.Write("log/config", config.Replace("PORT", port.ToString()));
        Run.Command(svlogd, ["log"], dir.Path, stdin: input);
        var got = new List<string>();
        listener.Client.ReceiveTimeout = 500;
        try
        {
            while (true)
            {
                IPEndPoint? from = null;
                got.Add(Encoding.ASCII.GetString(listener.Receive(ref from)));
            }
        }
        catch (SocketException) { }
        got.Add("current:" + (File.Exists(dir["log/current"]) ? File.ReadAllText(dir["log/current"]) : "<none>"));
        return got;
    }

    [TestCase("u127.0.0.1:PORT\npweb: \n")]
    [TestCase("U127.0.0.1:PORT\n-*skip*\n")]
    [CancelAfter(20_000)]
    public void Datagrams_and_files_are_the_same_as_runit_s(string config)
    {
        string input = "one\nskip me\ntwo\n";

        var ours = Receive(Binary.Applet("svlogd"), config, input);
        var theirs = Receive("/usr/bin/svlogd", config, input);

        Assert.That(ours, Is.EqualTo(theirs));
        Assert.That(ours[0], Does.EndWith("one\n"));
    }
}
