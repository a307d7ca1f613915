using Init.Import;

namespace Init.Tests.Unit;

/// <summary>systemd's and supervisord's syntax as <c>init import</c> reads it, and what the scripts make of it.</summary>
public class ImportParsingTests
{
    private static WordPart? NoSpecifier(char c) => c == 'n' ? WordPart.Literal("web.service") : null;

    [TestCase("/usr/sbin/sshd -D $SSHD_OPTS", "/usr/sbin/sshd -D ${SSHD_OPTS}")]
    [TestCase("/bin/echo \"a b\" 'c d' e\\ f", "/bin/echo 'a b' 'c d' 'e f'")]
    [TestCase("/bin/echo ${A}x \"${B} c\"", "/bin/echo \"${A}\"x \"${B}\"' c'")]
    [TestCase("/bin/echo $$HOME it\\'s %n 100%%", "/bin/echo '$HOME' 'it'\\''s' web.service 100%")]
    [TestCase(":/bin/echo $HOME ${X}", "/bin/echo '$HOME' '${X}'")]
    [TestCase("/bin/echo \\x41\\t\\101", "/bin/echo 'A\tA'")]
    [MaxTime(5_000)]
    public void A_command_line_becomes_the_words_sh_will_pass(string line, string rendered)
    {
        var command = ExecCommand.Parse(line, NoSpecifier, out string? error);
        Assert.That(error, Is.Null);
        Assert.That(string.Join(' ', command!.Arguments.Select(w => w.Render())), Is.EqualTo(rendered));
    }

    [TestCase("-/bin/true", true, false, false)]
    [TestCase("@/bin/sleep sleeper 5", false, true, false)]
    [TestCase("+/bin/true", false, false, true)]
    [TestCase("!/usr/sbin/chronyd", false, false, true)]
    [TestCase("-!/bin/true", true, false, true)]
    [MaxTime(5_000)]
    public void Prefixes_are_read(string line, bool ignoresFailure, bool argvZero, bool asRoot)
    {
        var command = ExecCommand.Parse(line, NoSpecifier, out _)!;
        Assert.That((command.IgnoresFailure, command.SetsArgvZero, command.RunsAsRoot), Is.EqualTo((ignoresFailure, argvZero, asRoot)));
        if (argvZero) Assert.That((command.ArgvZero!.LiteralText, string.Join(' ', command.Arguments.Select(w => w.LiteralText))), Is.EqualTo(("sleeper", "/bin/sleep 5")));
    }

    [TestCase("/bin/echo 'open", "an unclosed '")]
    [TestCase("/bin/a ; /bin/b", "several commands on one line (;): give each its own line")]
    [TestCase("/bin/echo %Z", "the specifier %Z, which Init does not know")]
    [TestCase("-", "no command")]
    [TestCase("/bin/echo \\q", "an unknown escape \\q")]
    [MaxTime(5_000)]
    public void A_line_that_is_no_command_says_why(string line, string why)
    {
        Assert.That(ExecCommand.Parse(line, NoSpecifier, out string? error), Is.Null);
        Assert.That(error, Is.EqualTo(why));
    }

    [TestCase("90", 90_000L), TestCase("5s", 5_000L), TestCase("1min 30s", 90_000L), TestCase("100ms", 100L), TestCase("2h", 7_200_000L),
     TestCase("1.5s", 1_500L), TestCase("infinity", -1L), TestCase("10us", 1L), TestCase("5 min", 300_000L), MaxTime(5_000)]
    public void Time_spans_are_read_in_milliseconds(string text, long ms) => Assert.That(SystemdValues.TimeSpanMs(text), Is.EqualTo(ms));

    [TestCase(""), TestCase("soon"), TestCase("5 parsecs"), TestCase("-5s")]
    [MaxTime(5_000)]
    public void What_is_no_time_span_is_refused(string text) => Assert.That(SystemdValues.TimeSpanMs(text), Is.Null);

    [Test]
    [MaxTime(5_000)]
    public void Unit_files_join_continued_lines_skip_comments_and_reset_lists_on_an_empty_value()
    {
        var unit = UnitFile.Parse("""
            # a comment
            [Service]
            ExecStartPre=/bin/a
            ExecStartPre=
            ExecStartPre=/bin/b \
            # inside the value: skipped
              --flag
            ; another comment
            not a line
            User=nobody
            User=www-data
            """);
        Assert.That(unit.List("Service", "ExecStartPre").Select(e => e.Value), Is.EqualTo(new[] { "/bin/b --flag" }));
        Assert.That(unit.Last("Service", "User")!.Value, Is.EqualTo("www-data"));
        Assert.That(unit.Malformed.Select(m => m.Text), Is.EqualTo(new[] { "not a line" }));
    }

    [Test]
    [MaxTime(5_000)]
    public void A_unit_with_everything_Init_has_a_file_for_gets_those_files()
    {
        var draft = UnitImport.Convert("""
            [Unit]
            Description=Example
            Requires=db.service
            Wants=cache.service network-online.target
            After=db.service syslog.service
            [Service]
            Type=notify
            User=app
            Group=app
            WorkingDirectory=-/srv/app
            Environment="GREETING=hello world" MODE=fast
            ExecStart=/usr/bin/app --serve
            KillSignal=SIGINT
            TimeoutStopSec=20s
            TimeoutStartSec=1min
            WatchdogSec=30
            Restart=on-failure
            RestartSec=3
            StartLimitBurst=4
            StartLimitIntervalSec=60
            MemoryMax=512M
            CPUQuota=150%
            TasksMax=64
            LimitNOFILE=4096:8192
            ProtectSystem=strict
            [Install]
            WantedBy=multi-user.target
            """, "app.service", "app.service", "app", out string? error)!;
        Assert.That(error, Is.Null);
        Assert.Multiple(() =>
        {
            Assert.That(draft.Content("notify-socket"), Is.EqualTo(""));
            Assert.That(draft.Content("down-signal"), Is.EqualTo("SIGINT\n"));
            Assert.That(draft.Content("timeout-kill"), Is.EqualTo("20000\n"));
            Assert.That(draft.Content("timeout-up"), Is.EqualTo("60000\n"));
            Assert.That(draft.Content("watchdog-timeout"), Is.EqualTo("30000\n"));
            Assert.That(draft.Content("restart-policy"), Is.EqualTo("on-failure\n"));
            Assert.That(draft.Content("restart-backoff"), Is.EqualTo("3000 3000 2147483647\n"));
            Assert.That(draft.Content("restart-limit"), Is.EqualTo("4 60000\n"));
            Assert.That(draft.Content("limits/memory.max"), Is.EqualTo("512M\n"));
            Assert.That(draft.Content("limits/cpu.max"), Is.EqualTo("150000 100000\n"));
            Assert.That(draft.Content("limits/pids.max"), Is.EqualTo("64\n"));
            Assert.That(draft.Files.Keys.Where(k => k.StartsWith("dependencies.d/")), Is.EqualTo(new[] { "dependencies.d/cache", "dependencies.d/db" }));
            string run = draft.Content("run")!;
            Assert.That(run, Does.Contain("export GREETING='hello world'\nexport MODE=fast\n"));
            Assert.That(run, Does.Contain("cd /srv/app 2>/dev/null || :\n"));
            Assert.That(run, Does.Contain("prlimit --pid $$ --nofile=4096:8192\n"));
            Assert.That(run, Does.EndWith("exec chpst -u app:app /usr/bin/app --serve\n"));
            Assert.That(draft.Notes, Has.Some.Contains("app.service:4: Wants=cache.service: approximated: "));
            Assert.That(draft.Notes, Has.Some.Contains("app.service:4: Wants=network-online.target: not translated: a target"));
            Assert.That(draft.Notes, Has.Some.Contains("app.service:5: After=syslog.service: not translated: an order without a need"));
            Assert.That(draft.Notes, Has.Some.Contains("app.service:25: ProtectSystem=strict: not translated: sandboxing"));
            Assert.That(draft.Notes, Has.Some.Contains("app.service:27: WantedBy=multi-user.target: not translated: "));
        });
        // Every note names a line of the unit, in order.
        var lines = draft.Notes.Select(n => int.Parse(n.Split(':')[1])).ToList();
        Assert.That(lines, Is.Ordered);
    }

    [TestCase("Restart=always", null)]
    [TestCase("Restart=no", "never\n")]
    [TestCase("", "never\n")]
    [TestCase("Restart=on-abnormal\nSuccessExitStatus=3 SIGUSR1", "on-abnormal success=3,SIGUSR1\n")]
    [MaxTime(5_000)]
    public void Restart_becomes_a_restart_policy(string lines, string? policy)
    {
        var draft = UnitImport.Convert("[Service]\nExecStart=/bin/true\n" + lines, "t.service", "t.service", "t", out _)!;
        Assert.That(draft.Content("restart-policy"), Is.EqualTo(policy));
    }

    [TestCase("[Socket]\nListenStream=80", "a [Socket] unit, not a service: only .service units are imported")]
    [TestCase("[Unit]\nDescription=x", "no [Service] section: not a service unit")]
    [TestCase("[Service]\nType=simple", "no ExecStart=: nothing to run")]
    [TestCase("[Service]\nExecStart=/bin/a\nExecStart=/bin/b", "several ExecStart= lines, which only Type=oneshot may have")]
    [MaxTime(5_000)]
    public void A_unit_that_cannot_be_imported_says_why(string text, string why)
    {
        Assert.That(UnitImport.Convert(text, "u.service", "u.service", "u", out string? error), Is.Null);
        Assert.That(error, Is.EqualTo(why));
    }

    [Test]
    [MaxTime(5_000)]
    public void A_template_unit_takes_its_instance_from_Init_at_run_time()
    {
        var draft = UnitImport.Convert("[Service]\nExecStart=/usr/bin/worker --queue %i --unit %n", "worker@.service", "worker@.service", "worker@", out _)!;
        Assert.That(draft.Content("run"), Does.EndWith("exec /usr/bin/worker --queue \"${INSTANCE}\" --unit worker@.service\n"));
    }

    [Test]
    [MaxTime(5_000)]
    public void A_supervisord_program_gets_its_command_split_as_shlex_splits_it()
    {
        var drafts = SupervisordImport.Convert("""
            [program:worker]
            command=/usr/bin/worker --name "%(program_name)s one" 'two  spaces' three\ four --home %(ENV_HOME)s
            user=nobody
            directory=/srv
            umask=022
            autorestart=false
            """, "/etc/supervisor/conf.d/worker.conf", null, out string? error)!;
        Assert.That(error, Is.Null);
        string run = drafts[0].Content("run")!;
        Assert.That(run, Does.Contain("set -- /usr/bin/worker --name 'worker one' 'two  spaces' 'three four' --home \"${HOME}\"\n"));
        Assert.That(run, Does.Contain("umask 022\ncd /srv || exit 1\nexec chpst -u nobody \"$@\"\n"));
        Assert.That(drafts[0].Content("restart-policy"), Is.EqualTo("never\n"));
    }

    [TestCase("[program:a]\ncommand=/bin/a\n[program:b]\ncommand=/bin/b", "b", "b")]
    [TestCase("[program:a]\ncommand=/bin/a", "c", null)]
    [MaxTime(5_000)]
    public void One_program_is_picked_by_its_name(string text, string program, string? picked)
    {
        var drafts = SupervisordImport.Convert(text, "s.conf", program, out string? error);
        if (picked is null) Assert.That(error, Is.EqualTo("no [program:c] (it has a)"));
        else Assert.That(drafts!.Select(d => d.Name), Is.EqualTo(new[] { picked }));
    }

    [Test]
    [MaxTime(5_000)]
    public void A_template_unit_takes_its_instance_in_paths_too()
    {
        var draft = UnitImport.Convert("[Unit]\nConditionPathExists=/etc/redis/%i.conf\n[Service]\nExecStart=/usr/bin/redis-server /etc/redis/%i.conf\nRuntimeDirectory=redis-%i\nWorkingDirectory=/var/lib/redis-%i",
            "redis-server@.service", "redis-server@.service", "redis-server@", out _)!;
        string run = draft.Content("run")!;
        Assert.That(run, Does.Contain("install -d -m 0755 /run/redis-\"${INSTANCE}\"\n"));
        Assert.That(run, Does.Contain("cd /var/lib/redis-\"${INSTANCE}\" || exit 1\n"));
        Assert.That(run, Does.Contain("[ -e /etc/redis/\"${INSTANCE}\".conf ] || unmet"));
        // Its state is in supervise@INSTANCE when the instance is a link to the template.
        Assert.That(run, Does.Contain("printf d >\"$(supervise)/control\""));
        Assert.That(run, Does.Contain("supervise@$INSTANCE"));
    }

    [Test]
    [MaxTime(5_000)]
    public void A_bad_line_of_a_list_is_noted_and_the_others_kept()
    {
        var draft = UnitImport.Convert("[Service]\nExecStartPre=/bin/a\nExecStartPre=/bin/b %H\nExecStartPre=/bin/c\nExecStart=/bin/d", "l.service", "l.service", "l", out _)!;
        Assert.That(draft.Content("run"), Does.Contain("/bin/a || exit $?\n/bin/c || exit $?\nexec /bin/d\n"));
        Assert.That(draft.Notes, Has.Some.EqualTo("l.service:3: ExecStartPre=/bin/b %H: not translated: the specifier %H, which Init does not know"));
        Assert.That(UnitImport.Convert("[Service]\nExecStart=/bin/d %H", "l.service", "l.service", "l", out string? error), Is.Null);
        Assert.That(error, Is.EqualTo("ExecStart= is not a command line: the specifier %H, which Init does not know"));
    }

    [Test]
    [MaxTime(5_000)]
    public void A_forking_daemon_without_a_pid_file_is_followed_only_in_the_cgroup_Init_made_for_it()
    {
        var draft = UnitImport.Convert("[Service]\nType=forking\nExecStart=/usr/sbin/apachectl start", "a.service", "a.service", "a", out _)!;
        Assert.That(draft.Content("run"), Does.Contain("case $cgroup in */services/*/run)"));
    }

    [Test]
    [MaxTime(5_000)]
    public void A_oneshot_stop_is_bounded_by_timeout_finish()
    {
        var draft = UnitImport.Convert("[Service]\nType=oneshot\nExecStart=/bin/true\nExecStop=/bin/false\nTimeoutStopSec=7", "o.service", "o.service", "o", out _)!;
        Assert.That((draft.Content("timeout-finish"), draft.Content("timeout-kill")), Is.EqualTo(("7000\n", (string?)null)));
        Assert.That(draft.Content("down"), Does.EndWith("exit ${status:-0}\n"));
    }

    [Test]
    [MaxTime(5_000)]
    public void A_program_logging_stdout_nowhere_keeps_its_stderr_in_the_log()
    {
        var drafts = SupervisordImport.Convert("[program:q]\ncommand=/bin/q\nstdout_logfile=NONE", "s.conf", null, out _)!;
        Assert.That(drafts[0].Content("run"), Does.Contain("exec 2>&1\nexec >/dev/null\n"));
        drafts = SupervisordImport.Convert("[program:q]\ncommand=/bin/q\nstdout_logfile=NONE\nredirect_stderr=true", "s.conf", null, out _)!;
        Assert.That(drafts[0].Content("run"), Does.Contain("exec >/dev/null\nexec 2>&1\n"));
    }

    /// <summary>
    /// A restart limit of more deaths than the supervisor remembers by default (100) comes with a
    /// max-death-tally that keeps them, so the supervisor takes the limit instead of refusing it.
    /// </summary>
    [TestCase("[Service]\nExecStart=/bin/x\nRestart=always\nStartLimitBurst=500\nStartLimitIntervalSec=60", "500 60000\n", "500\n")]
    [TestCase("[Service]\nExecStart=/bin/x\nRestart=always\nStartLimitBurst=100\nStartLimitIntervalSec=60", "100 60000\n", null)]
    [TestCase("[program:x]\ncommand=/bin/x\nstartretries=300", "301 *", "301\n")]
    [TestCase("[program:x]\ncommand=/bin/x\nstartretries=3", "4 *", null)]
    [MaxTime(5_000)]
    public void A_restart_limit_above_the_default_tally_is_kept_by_a_max_death_tally(string source, string limit, string? tally)
    {
        var draft = source.StartsWith("[program:")
            ? SupervisordImport.Convert(source, "s.conf", null, out string? error)![0]
            : UnitImport.Convert(source, "x.service", "x.service", "x", out error)!;
        Assert.That(error, Is.Null);
        Assert.That(draft.Content("restart-limit"), limit.EndsWith('*') ? Does.StartWith(limit.TrimEnd('*')) : Is.EqualTo(limit));
        Assert.That(draft.Content("max-death-tally"), Is.EqualTo(tally));

        using var temp = new Support.TempDirectory();
        Assert.That(draft.Write(temp["x"]), Is.Null);
        var warnings = new List<string>();
        var policy = Init.Supervision.ServicePolicy.Read(temp["x"], warnings.Add);
        Assert.That(warnings, Is.Empty, "the supervisor takes what was written");
        Assert.That(policy.Limit?.Deaths, Is.EqualTo(int.Parse(limit.Split(' ')[0])));
    }
}
