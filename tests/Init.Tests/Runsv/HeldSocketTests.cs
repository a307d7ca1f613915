using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Init.Supervision;
using Init.Tests.Support;

namespace Init.Tests.Runsv;

/// <summary>
/// Held sockets (Init's <c>listen</c> file) under our runsv and the engine: the supervisor binds
/// them, ./run gets them with systemd's socket-activation protocol, and they stay open while ./run
/// restarts, so the kernel queues the connections meanwhile instead of refusing them.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class HeldSocketTests
{
    /// <summary>
    /// An echo server as socket activation starts one (Perl, in Debian's perl-base): sd_listen_fds()'s
    /// check (LISTEN_PID is this process, LISTEN_FDS at least 1), then fd 3 served one line a
    /// connection, answered "PID LINE". TERM ends it between connections, never during one.
    /// </summary>
    private const string EchoServer = """
        use strict; use warnings; use Socket; use POSIX ();
        die "LISTEN_PID=" . ($ENV{LISTEN_PID} // '') . " is not my pid $$\n" unless ($ENV{LISTEN_PID} // '') eq $$;
        die "LISTEN_FDS is not 1 or more\n" unless ($ENV{LISTEN_FDS} // 0) >= 1;
        open(my $listen, '+<&=', 3) or die "fd 3: $!\n";
        my $stop = 0;
        $SIG{TERM} = sub { $stop = 1 };
        my $term = POSIX::SigSet->new(POSIX::SIGTERM());
        while (!$stop) {
            accept(my $client, $listen) or next;
            POSIX::sigprocmask(POSIX::SIG_BLOCK(), $term);
            my $line = <$client>;
            print $client "$$ $line" if defined $line;
            close $client;
            POSIX::sigprocmask(POSIX::SIG_UNBLOCK(), $term);
        }
        """;

    private static string? SupervisorOf(string which) => which == "runsv" ? null : which;

    private static string ErrorLog(TempDirectory temp, string which) => temp[which == "runsv" ? "svc.runsv.err" : "svc.engine.err"];

    private static string Read(string file) => File.Exists(file) ? File.ReadAllText(file) : "";

    /// <summary>A port nothing listens on now (the kernel's pick, given back at once).</summary>
    private static int FreePort(SocketType type = SocketType.Stream)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, type, type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>One connection: a line sent, the answer read to its newline (or to EOF).</summary>
    private static string Echo(EndPoint server, string line)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, server is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp)
        {
            ReceiveTimeout = 30_000,
            SendTimeout = 30_000,
        };
        socket.Connect(server);
        socket.Send(Encoding.ASCII.GetBytes(line + "\n"));
        var reply = new StringBuilder();
        var buffer = new byte[256];
        int n;
        while (!reply.ToString().EndsWith('\n') && (n = socket.Receive(buffer)) > 0) reply.Append(Encoding.ASCII.GetString(buffer, 0, n));
        return reply.ToString();
    }

    private static EndPoint Tcp(int port) => new IPEndPoint(IPAddress.Loopback, port);

    /// <summary>The service directory of an echo server on what <paramref name="listen"/> declares.</summary>
    private static string EchoService(TempDirectory temp, string listen)
    {
        Requires.Installed("/usr/bin/perl");
        File.WriteAllText(temp["echo.pl"], EchoServer);
        temp.Script("svc/run", $"exec /usr/bin/perl {temp["echo.pl"]}\n");
        temp.Write("svc/listen", listen);
        return temp["svc"];
    }

    [TestCase("runsv"), TestCase(Supervised.Engine)]
    [CancelAfter(240_000)]
    public void A_TCP_echo_service_restarted_20_times_refuses_none_of_1000_connections_and_answers_every_one(string supervisor)
    {
        using var temp = new TempDirectory();
        int port = FreePort();
        string svc = EchoService(temp, $"stream 127.0.0.1:{port} echo\n");
        using var supervised = new Supervised(svc, SupervisorOf(supervisor));
        var pids = new List<int> { supervised.WaitRunning().Pid };
        Assert.That(Echo(Tcp(port), "first"), Is.EqualTo($"{pids[0]} first\n"), Read(ErrorLog(temp, supervisor)));

        const int Connections = 1000, Restarts = 20;
        // The client makes its connections in 21 stretches and waits at the end of each until the next
        // restart has begun (./run got its TERM): the restarts are spread over the connections whatever
        // the pace, the connections of each stretch meet the restart's gap (old ./run gone, new one
        // starting), and every ./run answers the stretch after its start.
        static int Stretch(int k) => k > Restarts ? Connections : k * Connections / (Restarts + 1);
        int made = 0, begun = 0, refused = 0;
        bool abandoned = false;
        var failures = new ConcurrentQueue<string>();
        var servedBy = new ConcurrentDictionary<int, int>();
        var client = new Thread(() =>
        {
            for (int i = 0; i < Connections && !Volatile.Read(ref abandoned); i++)
            {
                while (i >= Stretch(Volatile.Read(ref begun) + 1) && !Volatile.Read(ref abandoned)) Thread.Sleep(1);
                try
                {
                    string reply = Echo(Tcp(port), $"hello {i}");
                    string[] words = reply.Split(' ', 2);
                    if (words.Length == 2 && int.TryParse(words[0], out int pid) && words[1] == $"hello {i}\n") servedBy.AddOrUpdate(pid, 1, (_, n) => n + 1);
                    else failures.Enqueue($"connection {i}: answered \"{reply}\"");
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused) { Interlocked.Increment(ref refused); }
                catch (Exception e) { failures.Enqueue($"connection {i}: {e.GetType().Name}: {e.Message}"); }
                Volatile.Write(ref made, i + 1);
            }
        }) { IsBackground = true };
        client.Start();
        try
        {
            for (int k = 1; k <= Restarts; k++)
            {
                Assert.That(Run.Until(() => Volatile.Read(ref made) >= Stretch(k), 60_000), Is.True, $"the client is stuck at connection {made}");
                int before = pids[^1];
                // Both ways a restart comes: our sv (t, then u; it waits for up, so beside the test) and the control byte itself.
                var sv = k % 2 == 0 ? Task.Run(() => Run.Command(Binary.Applet("sv"), "restart", svc)) : null;
                if (sv is null) supervised.Control("t");
                StatusRecord now = default;
                Assert.That(Run.Until(() => supervised.TryStatus(out now) && (now.TermSent || now.Pid != before), 30_000), Is.True, $"restart {k}: ./run got no TERM");
                Volatile.Write(ref begun, k);
                Assert.That(Run.Until(() => supervised.TryStatus(out now) && now.State == RunState.Run && now.Pid != 0 && now.Pid != before, 30_000),
                    Is.True, $"restart {k} never brought a new ./run\n{Read(ErrorLog(temp, supervisor))}");
                pids.Add(now.Pid);
                Assert.That(sv?.Wait(30_000) ?? true, Is.True, "sv restart never returned");
            }
            Assert.That(Run.Until(() => !client.IsAlive, 120_000), Is.True, $"the client is stuck at connection {made}");
        }
        finally { Volatile.Write(ref abandoned, true); }

        Assert.Multiple(() =>
        {
            Assert.That(refused, Is.Zero, "connections refused");
            Assert.That(failures, Is.Empty, "connections not answered");
            Assert.That(servedBy.Values.Sum(), Is.EqualTo(Connections));
            Assert.That(servedBy.Keys.Order(), Is.EqualTo(pids.Order()), "every one of the 21 ./run processes answered some, and nobody else");
        });
        Reliability.Record("lifecycle", $"a TCP echo service on a held socket restarted {Restarts} times during {Connections} connections ({supervisor})", Connections,
            $"0 refused, all answered, by {pids.Count} processes in turn", lost: "0 connections");
    }

    [TestCase("runsv"), TestCase(Supervised.Engine)]
    [CancelAfter(30_000)]
    public void The_service_gets_each_socket_at_its_number_with_LISTEN_FDS_LISTEN_FDNAMES_and_its_own_pid_as_LISTEN_PID(string supervisor)
    {
        using var temp = new TempDirectory();
        int tcp = FreePort(), udp = FreePort(SocketType.Dgram);
        string unix = temp["app.sock"];
        temp.Script("svc/run", "exec sleep 1000\n");
        temp.Write("svc/listen", $"stream 127.0.0.1:{tcp} http\ndatagram 127.0.0.1:{udp}\nstream {unix} admin\n");
        // Variables of a socket activation above the supervisor are replaced, not passed on beside ours.
        var stale = new Dictionary<string, string?> { ["LISTEN_FDS"] = "9", ["LISTEN_PID"] = "1", ["LISTEN_FDNAMES"] = "stale" };
        using var supervised = new Supervised(temp["svc"], SupervisorOf(supervisor), environment: stale);
        int pid = supervised.WaitRunning().Pid;
        Assert.That(Run.Until(() => File.ReadAllText($"/proc/{pid}/comm").Trim() == "sleep"), Is.True, "./run never exec'd sleep");

        var listen = File.ReadAllText($"/proc/{pid}/environ").Split('\0').Where(e => e.StartsWith("LISTEN_")).Order().ToArray();
        string[] fds = Directory.GetFileSystemEntries($"/proc/{pid}/fd").Select(f => Path.GetFileName(f)!).Order().ToArray();
        long Inode(int fd) => long.Parse(new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget!.Replace("socket:[", "").TrimEnd(']'));
        // /proc/net/*: the kernel's own table of sockets by inode, with what each is bound to.
        string[] Row(string table, long inode) =>
            File.ReadAllLines($"/proc/net/{table}").Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).SingleOrDefault(f => f[table == "unix" ? 6 : 9] == inode.ToString()) ?? [];

        Assert.Multiple(() =>
        {
            Assert.That(listen, Is.EqualTo(new[] { "LISTEN_FDNAMES=http:unknown:admin", "LISTEN_FDS=3", $"LISTEN_PID={pid}" }));
            Assert.That(fds, Is.EqualTo(new[] { "0", "1", "2", "3", "4", "5" }), "the sockets at 3, 4, 5 and nothing else (not even the listen-pid applet's own)");
            Assert.That(Row("tcp", Inode(3)).Take(4).Skip(1), Is.EqualTo(new[] { $"0100007F:{tcp:X4}", "00000000:0000", "0A" }), "fd 3: TCP 127.0.0.1, listening");
            Assert.That(Row("udp", Inode(4)).ElementAtOrDefault(1), Is.EqualTo($"0100007F:{udp:X4}"), "fd 4: UDP 127.0.0.1");
            Assert.That(Row("unix", Inode(5)).Skip(3).Take(2).Append(Row("unix", Inode(5)).LastOrDefault()), Is.EqualTo(new[] { "00010000", "0001", unix }), "fd 5: unix stream, listening, at its path");
            Assert.That(Convert.ToString((int)File.GetUnixFileMode(unix), 8), Is.EqualTo("666"), "the socket file is systemd's 0666");
            // Under the engine a service without log/ has its default logger's socket, and with cgroups its cgroup's path.
            string[] runits = ["control", "identity", "lock", "ok", "pid", "stat", "status"];
            string[] engines = File.Exists(temp["svc/supervise/cgroup"]) ? ["cgroup", "log.sock"] : ["log.sock"];
            Assert.That(SuperviseListing.Files(temp["svc/supervise"]),
                Is.EqualTo(supervisor == "runsv" ? runits : runits.Concat(engines).Order()), "supervise/ as for any service");
        });
    }

    [Test, CancelAfter(30_000)]
    public void A_directory_without_listen_passes_the_environment_on_as_runit_does()
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "exec sleep 1000\n");
        var inherited = new Dictionary<string, string?> { ["LISTEN_FDS"] = "9", ["LISTEN_PID"] = "1" };
        using var supervised = new Supervised(temp["svc"], environment: inherited);
        int pid = supervised.WaitRunning().Pid;
        Assert.That(Run.Until(() => File.ReadAllText($"/proc/{pid}/comm").Trim() == "sleep"), Is.True);

        var listen = File.ReadAllText($"/proc/{pid}/environ").Split('\0').Where(e => e.StartsWith("LISTEN_")).Order();

        Assert.That(listen, Is.EqualTo(new[] { "LISTEN_FDS=9", "LISTEN_PID=1" }), "unchanged, as runit's runsv passes them");
        Assert.That(Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length, Is.EqualTo(3));
    }

    [Test, CancelAfter(40_000)]
    public void Finish_control_overrides_and_the_logger_get_no_socket_and_no_LISTEN_variable()
    {
        using var temp = new TempDirectory();
        int port = FreePort();
        // How many of a shell's descriptors are sockets, and its LISTEN_ variables, into a file.
        string Report(string file) => $"for f in /proc/$$/fd/*; do readlink $f; done | grep -c socket >{temp[file]}; env | grep ^LISTEN_ >>{temp[file]}\n";
        temp.Script("svc/run", "exec sleep 1000\n");
        temp.Script("svc/finish", Report("finish.seen"));
        temp.Script("svc/control/t", Report("control.seen") + "exit 1\n");
        temp.Script("svc/log/run", Report("log.seen") + "exec cat >/dev/null\n");
        temp.Write("svc/listen", $"stream 127.0.0.1:{port}\n");
        using var supervised = new Supervised(temp["svc"]);
        int pid = supervised.WaitRunning().Pid;
        Assert.That(Run.Until(() => Read($"/proc/{pid}/environ").Contains($"LISTEN_PID={pid}")), Is.True, "./run has its socket");

        supervised.Control("t");

        Assert.That(Run.Until(() => Read(temp["finish.seen"]).Length > 0 && Read(temp["control.seen"]).Length > 0 && Read(temp["log.seen"]).Length > 0, 10_000), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(Read(temp["finish.seen"]), Is.EqualTo("0\n"), "./finish");
            Assert.That(Read(temp["control.seen"]), Is.EqualTo("0\n"), "control/t");
            Assert.That(Read(temp["log.seen"]), Is.EqualTo("0\n"), "log/run (it declares none of its own)");
        });
    }

    [Test, CancelAfter(30_000)]
    public void A_logger_that_declares_its_own_socket_gets_it_and_the_service_gets_none()
    {
        using var temp = new TempDirectory();
        int port = FreePort();
        temp.Script("svc/run", "exec sleep 1000\n");
        temp.Script("svc/log/run", "exec sleep 1000\n");
        temp.Write("svc/log/listen", $"stream 127.0.0.1:{port} logs\n");
        using var supervised = new Supervised(temp["svc"]);
        int service = supervised.WaitRunning().Pid, logger = supervised.WaitRunning(log: true).Pid;
        Assert.That(Run.Until(() => File.ReadAllText($"/proc/{logger}/comm").Trim() == "sleep" && File.ReadAllText($"/proc/{service}/comm").Trim() == "sleep"), Is.True);

        string[] Listen(int pid) => File.ReadAllText($"/proc/{pid}/environ").Split('\0').Where(e => e.StartsWith("LISTEN_")).Order().ToArray();

        Assert.That(Listen(logger), Is.EqualTo(new[] { "LISTEN_FDNAMES=logs", "LISTEN_FDS=1", $"LISTEN_PID={logger}" }));
        Assert.That(new FileInfo($"/proc/{logger}/fd/3").LinkTarget, Does.StartWith("socket:"));
        Assert.That(Listen(service), Is.Empty);
        Assert.That(Directory.GetFileSystemEntries($"/proc/{service}/fd").Length, Is.EqualTo(3), "the service: 0, 1, 2");
    }

    [Test, CancelAfter(40_000)]
    public void A_unix_stream_socket_takes_the_place_of_a_stale_socket_file_and_stays_across_restarts()
    {
        using var temp = new TempDirectory();
        string path = temp["echo.sock"];
        using (var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            stale.Bind(new UnixDomainSocketEndPoint(path));   // closed: its file stays, answering nobody
        Assert.Throws<SocketException>(() => Echo(new UnixDomainSocketEndPoint(path), "before"));
        string svc = EchoService(temp, $"stream {path}\n");
        using var supervised = new Supervised(svc);
        int first = supervised.WaitRunning().Pid;
        var server = new UnixDomainSocketEndPoint(path);

        Assert.That(Echo(server, "one"), Is.EqualTo($"{first} one\n"), Read(temp["svc.runsv.err"]));
        supervised.Control("t");
        StatusRecord now = default;
        Assert.That(Run.Until(() => supervised.TryStatus(out now) && now.State == RunState.Run && now.Pid != first, 10_000), Is.True);

        Assert.That(Echo(server, "two"), Is.EqualTo($"{now.Pid} two\n"));
    }

    [Test, CancelAfter(40_000)]
    public void A_path_that_is_not_a_socket_is_never_removed_and_run_waits_for_it_to_go_not_starting_within_2s()
    {
        using var temp = new TempDirectory();
        string path = temp["data"];
        File.WriteAllText(path, "somebody's file\n");
        string svc = EchoService(temp, $"stream {path}\n");
        using var supervised = new Supervised(svc);
        string err = temp["svc.runsv.err"];

        Assert.That(Run.Until(() => Read(err).Contains($"runsv {svc}: warning: listen: stream {path}: exists and is not a socket: not removed: ./run waits, retrying every second"), 10_000),
            Is.True, Read(err));
        Run.Never(() => supervised.TryStatus(out var r) && r.Pid != 0, TimeSpan.FromSeconds(2), "./run started without its socket");
        Assert.That(File.ReadAllText(path), Is.EqualTo("somebody's file\n"));

        File.Delete(path);

        int pid = supervised.WaitRunning().Pid;
        Assert.That(Echo(new UnixDomainSocketEndPoint(path), "now"), Is.EqualTo($"{pid} now\n"));
    }

    [TestCase("runsv"), TestCase(Supervised.Engine)]
    [CancelAfter(40_000)]
    public void A_port_in_use_is_reported_once_and_retried_until_it_is_free_within_2s(string supervisor)
    {
        using var temp = new TempDirectory();
        var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(Tcp(0));
        squatter.Listen();
        int port = ((IPEndPoint)squatter.LocalEndPoint!).Port;
        string svc = EchoService(temp, $"stream 127.0.0.1:{port}\n");
        using var supervised = new Supervised(svc, SupervisorOf(supervisor));
        string err = ErrorLog(temp, supervisor);
        string warning = $": warning: listen: stream 127.0.0.1:{port}: unable to bind: address already used: ./run waits, retrying every second\n";
        int Count(string text) => Read(err).Split(text).Length - 1;

        Assert.That(Run.Until(() => Count(warning) > 0, 10_000), Is.True, Read(err));
        Run.Never(() => supervised.TryStatus(out var r) && r.Pid != 0, TimeSpan.FromSeconds(2), "./run started without its socket");
        Assert.That(supervised.Status().Want, Is.EqualTo('u'), "still wanted up: it waits, as for a dependency");

        squatter.Dispose();

        int pid = supervised.WaitRunning(10_000).Pid;
        Assert.That(Echo(Tcp(port), "free"), Is.EqualTo($"{pid} free\n"));
        Assert.That(Count(warning), Is.EqualTo(1), "said once, not at every retry:\n" + Read(err));
        Assert.That(Read(err), Does.Contain(": info: listen: every socket bound, starting ./run\n"));
        Reliability.Record("fault", $"a held socket's port taken by another process ({supervisor})", 1, "reported once; ./run waits and starts once the port is free");
    }

    [Test, CancelAfter(30_000)]
    public void A_bad_listen_line_is_reported_once_and_the_good_ones_are_passed()
    {
        using var temp = new TempDirectory();
        int port = FreePort();
        temp.Script("svc/run", "exec sleep 1000\n");
        temp.Write("svc/listen", $"stream 127.0.0.1:{port} good\nstream localhost:80 bad\n");
        using var supervised = new Supervised(temp["svc"]);
        int first = supervised.WaitRunning().Pid;
        string err = temp["svc.runsv.err"];
        string warning = $"runsv {temp["svc"]}: warning: listen: line 2: not IPV4:PORT, [IPV6]:PORT, /PATH or @NAME: \"localhost:80\": ignored\n";

        supervised.Control("t");   // read again at the next start: not said again
        StatusRecord now = default;
        Assert.That(Run.Until(() => supervised.TryStatus(out now) && now.State == RunState.Run && now.Pid != first, 10_000), Is.True);
        Assert.That(Run.Until(() => Read($"/proc/{now.Pid}/environ").Contains("LISTEN_FDS=")), Is.True);

        Assert.That(Read(err).Split(warning).Length - 1, Is.EqualTo(1), Read(err));
        Assert.That(Read($"/proc/{now.Pid}/environ").Split('\0'), Does.Contain("LISTEN_FDS=1").And.Contain("LISTEN_FDNAMES=good"));
        Reliability.Record("bad input", "a listen line that is no address (localhost:80)", 1, "reported once with its line number; the good lines passed");
    }

    [Test, CancelAfter(40_000)]
    public void Sv_down_lets_the_address_go_and_sv_up_binds_it_again()
    {
        using var temp = new TempDirectory();
        int port = FreePort();
        string svc = EchoService(temp, $"stream 127.0.0.1:{port}\n");
        using var supervised = new Supervised(svc);
        supervised.WaitRunning();
        var sv = Binary.Applet("sv");

        Run.Command(sv, "down", svc);

        Assert.That(Run.Until(() =>
        {
            try { Echo(Tcp(port), "anyone?"); return false; }
            catch (SocketException e) { return e.SocketErrorCode == SocketError.ConnectionRefused; }
        }, 10_000), Is.True, "a down service's clients are refused, not queued for nobody");

        Run.Command(sv, "up", svc);

        int pid = supervised.WaitRunning().Pid;
        Assert.That(Echo(Tcp(port), "back"), Is.EqualTo($"{pid} back\n"));
    }

    [Test, CancelAfter(30_000)]
    public void A_notification_fd_on_a_held_sockets_number_is_reported_and_the_socket_keeps_it()
    {
        using var temp = new TempDirectory();
        int port = FreePort();
        temp.Script("svc/run", "exec sleep 1000\n");
        temp.Write("svc/listen", $"stream 127.0.0.1:{port}\n");
        temp.Write("svc/notification-fd", "3\n");
        using var supervised = new Supervised(temp["svc"]);
        int pid = supervised.WaitRunning().Pid;
        string err = temp["svc.runsv.err"];

        Assert.That(Run.Until(() => Read(err).Contains($"runsv {temp["svc"]}: warning: notification-fd: 3 is a held socket's descriptor (listen passes 3): ignored\n")), Is.True, Read(err));
        Assert.That(Run.Until(() => File.ReadAllText($"/proc/{pid}/comm").Trim() == "sleep"), Is.True);
        Assert.That(new FileInfo($"/proc/{pid}/fd/3").LinkTarget, Does.StartWith("socket:"), "fd 3 is the socket, not a readiness pipe");
        Assert.That(File.Exists(temp["svc/supervise/readiness"]), Is.False, "no readiness without its descriptor");
    }
}
