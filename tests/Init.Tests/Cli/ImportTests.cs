using System.Text.RegularExpressions;
using Init.Tests.Support;

namespace Init.Tests.Cli;

/// <summary>
/// <c>init import</c> on the units Debian's packages ship (installed by .ci/setup, never started by
/// their maintainer scripts): each becomes a service directory, starts under Init's runsvdir in a
/// PID, network and mount namespace of its own (loopback up, a fresh /run), answers as the daemon
/// should, and stops leaving nothing behind.
/// </summary>
[TestFixture, NonParallelizable]
public sealed class ImportTests
{
    /// <summary>Run inside the namespaces: starts runsvdir on SVDIR, then NAME, checks it, stops it; prints what it saw as KEY: value lines.</summary>
    private const string Harness = """
        #!/bin/bash
        init=$1 svdir=$2 name=$3 check=$4
        ip link set lo up || exit 1
        mount -t tmpfs -o mode=755 tmpfs /run && mkdir -p /run/lock || exit 1
        "$init" runsvdir "$svdir" >"$svdir/../runsvdir.log" 2>&1 &
        for i in $(seq 1 100); do [ -p "$svdir/$name/supervise/ok" ] && break; sleep 0.1; done
        echo "start: $("$init" sv -w 60 start "$svdir/$name")"
        pid=$(cat "$svdir/$name/supervise/pid")
        for i in $(seq 1 50); do bash -c "$check" >/tmp/answer.$$ 2>&1 && break; sleep 0.2; done
        echo "answer: $(head -c 200 /tmp/answer.$$ | tr -d '\r\n\0')"; rm -f /tmp/answer.$$
        sleep 1
        echo "still: $("$init" sv status "$svdir/$name")"
        echo "same pid: $([ "$(cat "$svdir/$name/supervise/pid")" = "$pid" ] && echo yes || echo no)"
        echo "down: $("$init" sv -w 60 down "$svdir/$name")"
        # Every process of the service gone (the forking wrapper's last sleep may take a second).
        for i in $(seq 1 30); do
            ps -e -o pid=,args= >/tmp/ps.$$
            left=$(grep -v -e ' ps -e' -e runsvdir -e harness -e 'sleep 0.2' /tmp/ps.$$ | tr '\n' ';')
            [ -z "$left" ] && break; sleep 0.2
        done
        echo "left: $left"
        rm -f /tmp/ps.$$
        """;

    /// <summary>The units, each with a command that shows the daemon answering, and what that answer starts with.</summary>
    private static readonly object[] Units =
    [
        new object[] { "ssh", "exec 3<>/dev/tcp/127.0.0.1/22 && head -c 8 <&3", "SSH-2.0-" },
        new object[] { "cron", "pgrep -x cron >/dev/null && echo cron", "cron" },
        new object[] { "nginx", Http, "HTTP/1.1 200" },
        new object[] { "lighttpd", Http, "HTTP/1.0 200" },
        new object[] { "apache2", Http, "HTTP/1.1 200" },
        new object[] { "redis-server", "exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\\r\\n' >&3 && head -c 5 <&3", "+PONG" },
        new object[] { "memcached", "exec 3<>/dev/tcp/127.0.0.1/11211 && printf 'version\\r\\n' >&3 && head -c 7 <&3", "VERSION" },
        new object[] { "vsftpd", "exec 3<>/dev/tcp/127.0.0.1/21 && head -c 3 <&3", "220" },
        new object[] { "dnsmasq", "exec 3<>/dev/tcp/127.0.0.1/53 && echo dns", "dns" },
        new object[] { "unbound", "exec 3<>/dev/tcp/127.0.0.1/53 && echo dns", "dns" },
        new object[] { "nftables", "nft list tables", "table inet filter" },
    ];

    private const string Http = "exec 3<>/dev/tcp/127.0.0.1/80 && printf 'GET / HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -c 12 <&3";

    /// <summary>Every line import prints names its source line (or the file) and says what became of the directive.</summary>
    private static readonly Regex NoteLine = new(@"^(\S+?)(:\d+)?: .*(not translated|approximated|ignored)|^init import: \S+: \d+ files, \d+ directives");

    [TestCaseSource(nameof(Units)), CancelAfter(150_000)]
    public void A_Debian_unit_imported_starts_under_Init_answers_and_stops_clean(string unit, string check, string answer)
    {
        string file = $"/lib/systemd/system/{unit}.service";
        Requires.Installed(file);
        Requires.PidNamespaces();
        Requires.Root("a daemon's own user, ports and /run");
        using var dir = new TempDirectory();
        string service = dir[$"sv/{unit}"];

        var import = Run.Command(Binary.Init, "import", file, service);
        Assert.That(import.ExitCode, Is.Zero, import.ToString());
        Assert.That(import.Stdout.TrimEnd('\n').Split('\n'), Has.All.Match(NoteLine.ToString()), import.Stdout);
        Assert.That(File.Exists(Path.Combine(service, unit == "nftables" ? "up" : "run")), Is.True);

        string harness = dir.Script("harness", Harness);
        var result = Run.Command("unshare", ["--fork", "--pid", "--mount-proc", "--net", "--mount", harness, Binary.Init, dir["sv"], unit, check], timeoutMs: 140_000);
        var seen = result.Stdout.Split('\n').Where(l => l.Contains(": ")).ToDictionary(l => l[..l.IndexOf(": ")], l => l[(l.IndexOf(": ") + 2)..]);
        string log = File.Exists(dir["runsvdir.log"]) ? File.ReadAllText(dir["runsvdir.log"]) : "";
        string context = $"{result}\n--- runsvdir\n{log}";

        Assert.That(seen.GetValueOrDefault("start"), Does.StartWith("ok: run: "), context);
        Assert.That(seen.GetValueOrDefault("answer"), Does.StartWith(answer).Or.Contain(answer), context);
        Assert.That(seen.GetValueOrDefault("still"), Does.StartWith("run: "), context);
        if (unit != "nftables") Assert.That(seen.GetValueOrDefault("same pid"), Is.EqualTo("yes"), "restarted meanwhile: " + context);
        Assert.That(seen.GetValueOrDefault("down"), Does.StartWith("ok: down: "), context);
        Assert.That(seen.GetValueOrDefault("left"), Is.Empty, "processes of the service left after sv down: " + context);
    }

    private const string SupervisordConfig = """
        [supervisord]
        nodaemon=true

        [program:web]
        command=/usr/bin/python3 -m http.server 8081 --bind 127.0.0.1 --directory "%(here)s"
        environment=GREETING="hello, world",PYTHONUNBUFFERED="1"
        stopsignal=INT
        stopwaitsecs=5
        redirect_stderr=true

        [program:once]
        command=/bin/sh -c 'echo "$GREETING from %(program_name)s"; exit 0'
        environment=GREETING="hello, world"
        autorestart=unexpected
        startsecs=0

        [program:manual]
        command=/bin/sleep 1000
        autostart=false
        priority=10

        [group:all]
        programs=web,once,manual
        """;

    /// <summary>Run inside the namespaces: the three programs under runsvdir, what each did, as KEY: value lines.</summary>
    private const string SupervisordHarness = """
        #!/bin/bash
        init=$1 svdir=$2
        ip link set lo up || exit 1
        "$init" runsvdir "$svdir" >"$svdir/../runsvdir.log" 2>&1 &
        for s in web once manual; do for i in $(seq 1 100); do [ -p "$svdir/$s/supervise/ok" ] && break; sleep 0.1; done; done
        echo "web: $("$init" sv -w 30 start "$svdir/web")"
        for i in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/8081 && printf 'GET /supervisord.conf HTTP/1.0\r\n\r\n' >&3 && cat <&3) >/tmp/answer.$$ 2>/dev/null && break; sleep 0.2; done
        echo "answer: $(head -1 /tmp/answer.$$ | tr -d '\r')"; rm -f /tmp/answer.$$
        sleep 2
        echo "once: $("$init" sv status "$svdir/once")"
        echo "manual: $("$init" sv status "$svdir/manual")"
        echo "manual started: $("$init" sv -w 10 start "$svdir/manual")"
        echo "down: $("$init" sv -w 30 down "$svdir/web" "$svdir/manual" | tr '\n' ';')"
        """;

    [Test, CancelAfter(90_000)]
    public void A_supervisord_config_becomes_one_service_each_that_runs_as_supervisord_ran_it()
    {
        Requires.PidNamespaces();
        Requires.Installed("/usr/bin/python3");
        using var dir = new TempDirectory();
        string config = dir.Write("supervisord.conf", SupervisordConfig);

        var import = Run.Command(Binary.Init, "import", config, dir["sv"]);
        Assert.That(import.ExitCode, Is.Zero, import.ToString());
        Assert.That(import.Stdout, Does.Contain(":20: priority=10: not translated: ").And.Contain(":22: [group:all]: not translated: ")
            .And.Contain(":1: [supervisord]: not translated: "), import.Stdout);
        Assert.That(File.ReadAllText(dir["sv/web/down-signal"]), Is.EqualTo("INT\n"));
        Assert.That(File.ReadAllText(dir["sv/web/timeout-kill"]), Is.EqualTo("5000\n"));
        Assert.That(File.Exists(dir["sv/manual/down"]), Is.True, "autostart=false");

        string harness = dir.Script("harness", SupervisordHarness);
        var result = Run.Command("unshare", ["--fork", "--pid", "--mount-proc", "--net", harness, Binary.Init, dir["sv"]], timeoutMs: 80_000);
        var seen = result.Stdout.Split('\n').Where(l => l.Contains(": ")).ToDictionary(l => l[..l.IndexOf(": ")], l => l[(l.IndexOf(": ") + 2)..]);
        string log = File.ReadAllText(dir["runsvdir.log"]);
        string context = $"{result}\n--- runsvdir\n{log}";

        Assert.That(seen.GetValueOrDefault("web"), Does.StartWith("ok: run: "), context);
        Assert.That(seen.GetValueOrDefault("answer"), Does.StartWith("HTTP/1.0 200"), "%(here)s is the config's directory: " + context);
        Assert.That(log, Does.Contain("hello, world from once"), "environment= and %(program_name)s: " + context);
        Assert.That(seen.GetValueOrDefault("once"), Does.StartWith("down: "), "autorestart=unexpected: an expected exit is not restarted: " + context);
        Assert.That(log, Does.Contain("exit 0: not started again"), context);
        Assert.That(seen.GetValueOrDefault("manual"), Does.StartWith("down: ").And.Not.Contain("normally up"), "autostart=false: down by its down file: " + context);
        Assert.That(seen.GetValueOrDefault("manual started"), Does.StartWith("ok: run: "), context);
        Assert.That(seen.GetValueOrDefault("down"), Does.Contain("ok: down: " + dir["sv/web"]).And.Contain("ok: down: " + dir["sv/manual"]), context);
    }

    [Test, CancelAfter(20_000)]
    public void The_directives_with_no_equivalent_are_each_named_with_their_line()
    {
        string file = "/lib/systemd/system/ssh.service";
        Requires.Installed(file);
        using var dir = new TempDirectory();
        var import = Run.Command(Binary.Init, "import", "-n", file, dir["ssh"]);
        Assert.That(import.ExitCode, Is.Zero, import.ToString());
        int line = Array.FindIndex(File.ReadAllLines(file), l => l.StartsWith("KillMode=")) + 1;
        Assert.That(import.Stdout, Does.Contain($"{file}:{line}: KillMode=process: not translated: "));
        Assert.That(import.Stdout, Does.Contain("==> " + dir["ssh"] + "/restart-policy <==\non-failure prevent=255\n"));
        Assert.That(Directory.Exists(dir["ssh"]), Is.False, "-n writes nothing");
    }

    [Test, CancelAfter(30_000)]
    public void Bad_input_gets_a_reason_and_a_defined_exit_code_and_an_existing_directory_is_never_touched()
    {
        using var dir = new TempDirectory();
        string unit = dir.Write("web.service", "[Service]\nExecStart=/bin/sleep 1000\n");
        string big = dir.Write("big.service", "[Service]\nExecStart=/bin/true\n# " + new string('x', 2 << 20) + "\n");
        Assert.That(Run.Command("mkfifo", dir["fifo"]).ExitCode, Is.Zero);
        string existing = dir.Write("existing/run", "#!/bin/sh\nexec mine\n");

        (string[] Args, int Code, string Says)[] cases =
        [
            (["/dev/zero", dir["a"]], 1, "/dev/zero: not a plain file"),
            ([dir["fifo"], dir["a"]], 1, "fifo: not a plain file"),
            ([big, dir["a"]], 1, "larger than 1024 KiB"),
            ([dir["missing.service"], dir["a"]], 111, "unable to read"),
            ([unit, dir["existing"]], 111, "existing: exists: not overwritten"),
            (["-x", unit, dir["a"]], 100, "usage: init import"),
            ([unit], 100, "usage: init import"),
        ];
        foreach (var (args, code, says) in cases)
        {
            var r = Run.Command(Binary.Init, ["import", .. args]);
            Assert.That((r.ExitCode, r.Stderr), Is.EqualTo((code, r.Stderr)), string.Join(' ', args) + "\n" + r);
            Assert.That(r.Stderr, Does.Contain(says), r.ToString());
        }
        Assert.That(File.ReadAllText(dir["existing/run"]), Is.EqualTo("#!/bin/sh\nexec mine\n"));
        Assert.That(Directory.Exists(dir["a"]), Is.False);
    }

    [Test, CancelAfter(30_000)]
    public void A_full_disk_fails_the_import_with_exit_111_and_leaves_nothing_behind()
    {
        Requires.Root("a tiny tmpfs in a mount namespace");
        using var dir = new TempDirectory();
        string unit = dir.Write("web.service", "[Unit]\nDescription=" + new string('d', 3000) + "\n[Service]\nExecStart=/bin/sleep 1000\nExecReload=/bin/kill -HUP $MAINPID\n");
        Directory.CreateDirectory(dir["small"]);
        var r = Run.Command("unshare", ["--mount", "sh", "-c",
            $"mount -t tmpfs -o size=8k tmpfs {dir["small"]} && {Binary.Init} import {unit} {dir["small"]}/web; echo \"exit $?\"; ls -A {dir["small"]}"]);
        Assert.That(r.Stdout, Does.StartWith("exit 111\n"), r.ToString());
        Assert.That(r.Stderr, Does.Contain("unable to write").And.Contain(": out of disk space"), r.ToString());
        Assert.That(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1), Is.Empty, "nothing left in the full file system: " + r);
    }
}
