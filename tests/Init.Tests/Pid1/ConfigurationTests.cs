using Init.Configuration;

namespace Init.Tests.Pid1;

/// <summary>InitOptions from its sources through the table of settings: every field, every source, and bad input.</summary>
[TestFixture, Category("Fast")]
public class ConfigurationTests
{
    [Test, MaxTime(5_000)]
    public void A_sample_file_binds_every_field()
    {
        string file = Path.GetTempFileName();
        File.WriteAllText(file, """
            ; a full sample
            Mode = container
            Stages = runit
            ServiceDirectory = /srv/service
            HookDirectory = /srv/hooks
            StopGraceSeconds = 9
            KillGraceSeconds = 4
            CtrlAltDel = poweroff
            EmergencyShell = /bin/sh
            Mount = false
            Console = false
            ReapIntervalMs = 50
            RespawnMaxSeconds = 12
            Runsvdir = /usr/bin/runsvdir
            """);
        var warnings = new List<string>();

        var o = InitConfiguration.Load(file, null, [], warnings.Add, new Dictionary<string, string?>());
        File.Delete(file);

        Assert.That(warnings, Is.Empty);
        Assert.That(o.Mode, Is.EqualTo("container"));
        Assert.That(o.Stages, Is.EqualTo("runit"));
        Assert.That(o.ServiceDirectory, Is.EqualTo("/srv/service"));
        Assert.That(o.HookDirectory, Is.EqualTo("/srv/hooks"));
        Assert.That(o.StopGraceSeconds, Is.EqualTo(9));
        Assert.That(o.KillGraceSeconds, Is.EqualTo(4));
        Assert.That(o.CtrlAltDel, Is.EqualTo("poweroff"));
        Assert.That(o.EmergencyShell, Is.EqualTo("/bin/sh"));
        Assert.That(o.Mount, Is.False);
        Assert.That(o.Console, Is.False);
        Assert.That(o.ReapIntervalMs, Is.EqualTo(50));
        Assert.That(o.RespawnMaxSeconds, Is.EqualTo(12));
        Assert.That(o.Runsvdir, Is.EqualTo("/usr/bin/runsvdir"));
        Assert.That(o.ConfigFile, Is.EqualTo(new InitOptions().ConfigFile));
    }

    [Test, MaxTime(5_000)]
    public void Without_any_source_the_defaults_boot_a_plain_system()
    {
        var o = InitConfiguration.Load(null, "/nonexistent/cmdline", [], _ => Assert.Fail("no warning expected"), new Dictionary<string, string?>());

        Assert.That(o.Mode, Is.EqualTo("auto"));
        Assert.That(o.ServiceDirectory, Is.EqualTo("/etc/service"));
        Assert.That(o.StopGraceSeconds, Is.EqualTo(7));
        Assert.That(o.CtrlAltDel, Is.EqualTo("reboot"));
        Assert.That(o.Mount, Is.True);
    }

    [Test, MaxTime(5_000)]
    public void Sources_override_in_order_file_environment_kernel_command_line_arguments()
    {
        string file = Path.GetTempFileName();
        string cmdline = Path.GetTempFileName();
        File.WriteAllText(file, "StopGraceSeconds=1\nKillGraceSeconds=1\nReapIntervalMs=11\nRespawnMaxSeconds=5\n");
        File.WriteAllText(cmdline, "BOOT_IMAGE=/vmlinuz root=/dev/sda1 quiet init.KillGraceSeconds=3 init.ReapIntervalMs=33 init.ServiceDirectory=\"/a b\" initrd=x\n");
        var env = new Dictionary<string, string?> { ["INIT_STOPGRACESECONDS"] = "2", ["INIT_KILLGRACESECONDS"] = "2", ["INIT_REAPINTERVALMS"] = "22", ["OTHER"] = "x" };

        var o = InitConfiguration.Load(file, cmdline, ["--ReapIntervalMs=44"], _ => { }, env);
        File.Delete(file);
        File.Delete(cmdline);

        Assert.That(o.RespawnMaxSeconds, Is.EqualTo(5), "file");
        Assert.That(o.StopGraceSeconds, Is.EqualTo(2), "environment over file");
        Assert.That(o.KillGraceSeconds, Is.EqualTo(3), "kernel command line over environment");
        Assert.That(o.ServiceDirectory, Is.EqualTo("/a b"), "quoted kernel parameter");
        Assert.That(o.ReapIntervalMs, Is.EqualTo(44), "arguments over everything");
    }

    [Test, MaxTime(5_000)]
    public void Malformed_file_and_values_are_reported_where_they_were_written_and_keep_the_defaults()
    {
        string file = Path.GetTempFileName();
        File.WriteAllText(file, "[unclosed\nno equals sign here\nMode = weird\n");
        var warnings = new List<string>();
        var env = new Dictionary<string, string?> { ["INIT_STOPGRACESECONDS"] = "soon", ["INIT_MOUNT"] = "perhaps", ["INIT_KILLGRACESECONDS"] = "-4" };

        var o = InitConfiguration.Load(file, null, [], warnings.Add, env);
        File.Delete(file);

        Assert.That(o.StopGraceSeconds, Is.EqualTo(7));
        Assert.That(o.Mount, Is.True);
        Assert.That(o.Mode, Is.EqualTo("auto"));
        Assert.That(o.KillGraceSeconds, Is.EqualTo(3));
        Assert.That(warnings, Is.EquivalentTo(new[]
        {
            $"{file}: line 1: a section must be [Name]: ignored",
            $"{file}: line 2: not Key = value: ignored",
            $"configuration: {file}: line 3: Mode=weird: Mode must be one of auto, system, container: ignored",
            "configuration: INIT_STOPGRACESECONDS=soon: StopGraceSeconds must be a whole number from 0: ignored",
            "configuration: INIT_MOUNT=perhaps: Mount must be true or false: ignored",
            "configuration: INIT_KILLGRACESECONDS=-4: KillGraceSeconds must be a whole number from 0: ignored",
        }));
    }

    [Test, MaxTime(5_000)]
    public void Mistakes_that_used_to_be_silent_are_reported_in_one_readable_line_each()
    {
        string directory = Path.Combine(Path.GetTempPath(), "init-conf-dir-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        string binary = Path.GetTempFileName();
        File.WriteAllBytes(binary, [0x7f, (byte)'E', (byte)'L', (byte)'F', 0, 1, 2, 0x1b, (byte)'[', (byte)'2', (byte)'J']);
        string cmdline = Path.GetTempFileName();
        File.WriteAllText(cmdline, "quiet init.Mod=container\n");
        var warnings = new List<string>();
        try
        {
            InitConfiguration.Load("/nonexistent/init.conf", null, [], warnings.Add, new Dictionary<string, string?>());
            InitConfiguration.Load(directory, null, [], warnings.Add, new Dictionary<string, string?>());
            InitConfiguration.Load(binary, null, [], warnings.Add, new Dictionary<string, string?>());
            var o = InitConfiguration.Load(null, cmdline, ["--StopGrace=5", "--=5", "--ServiceDirectory=", "--Mode=\u001b[2Jcontainer"], warnings.Add,
                new Dictionary<string, string?> { ["INIT_BIN_DIR"] = "/x" });

            Assert.That(o.Mode, Is.EqualTo("auto"));
            Assert.That(o.ServiceDirectory, Is.EqualTo("/etc/service"));
        }
        finally { Directory.Delete(directory); File.Delete(binary); File.Delete(cmdline); }

        Assert.That(warnings, Is.EqualTo(new[]
        {
            "configuration: /nonexistent/init.conf: no such file: using the other sources and the defaults",
            $"configuration: {directory}: a directory, not a file: using the other sources and the defaults",
            $"configuration: {binary}: not a text file: using the other sources and the defaults",
            "configuration: kernel command line: init.Mod: unknown setting (did you mean Mode?): ignored",
            "configuration: --StopGrace: unknown setting (did you mean StopGraceSeconds?): ignored",
            "configuration: argument --=5: not --Key=value: ignored",
            "configuration: --ServiceDirectory=: ServiceDirectory must be a path: ignored",
            "configuration: --Mode=?[2Jcontainer: Mode must be one of auto, system, container: ignored",
        }), "INIT_BIN_DIR is another program's variable: not reported");
    }

    [Test, MaxTime(5_000)]
    public void The_default_file_may_be_absent_without_a_word()
    {
        var warnings = new List<string>();

        InitConfiguration.Load(new InitOptions().ConfigFile, null, [], warnings.Add, new Dictionary<string, string?>());

        Assert.That(File.Exists(new InitOptions().ConfigFile) || warnings.Count == 0, Is.True, string.Join("\n", warnings));
    }

    [Test, MaxTime(5_000)]
    public void The_ini_form_has_sections_quotes_comments_and_later_lines_win()
    {
        var warnings = new List<string>();

        var entries = IniFile.Parse("; comment\n# comment\nMode = \"container\"\n[Other]\nMode=x\r\n\nStopGraceSeconds=1\nStopGraceSeconds=2\n", "f", warnings.Add);

        Assert.That(entries, Is.EqualTo(new[] { (3, "Mode", "container"), (5, "Other:Mode", "x"), (7, "Other:StopGraceSeconds", "1"), (8, "Other:StopGraceSeconds", "2") }));
        Assert.That(warnings, Is.Empty);
    }

    [Test, MaxTime(5_000)]
    public void Every_option_has_exactly_one_setting()
    {
        var options = typeof(InitOptions).GetProperties().Select(p => p.Name).Order();

        Assert.That(InitSettings.All.Select(s => s.Key).Order(), Is.EqualTo(options));
    }

    [Test, MaxTime(5_000)]
    public void Values_at_the_edges_of_their_ranges_are_taken_and_beyond_them_refused()
    {
        var warnings = new List<string>();
        var env = new Dictionary<string, string?> { ["INIT_REAPINTERVALMS"] = "1000", ["INIT_RESPAWNMAXSECONDS"] = "0", ["INIT_SERVICEDIRECTORY"] = "", ["INIT_OTHER_TOOL"] = "x" };

        var o = InitConfiguration.Load(null, null, ["--StopGraceSeconds=0", "--ReapIntervalMs=9"], warnings.Add, env);

        Assert.That(o.StopGraceSeconds, Is.EqualTo(0));
        Assert.That(o.ReapIntervalMs, Is.EqualTo(1000), "the arguments' 9 is refused: the environment's 1000 stays");
        Assert.That(o.RespawnMaxSeconds, Is.EqualTo(30));
        Assert.That(o.ServiceDirectory, Is.EqualTo("/etc/service"));
        Assert.That(warnings, Has.Count.EqualTo(3), string.Join("\n", warnings));
    }

    [Test, MaxTime(5_000)]
    public void Kernel_command_line_parsing_keeps_only_prefixed_words()
    {
        var pairs = KernelCommandLine.Parse("quiet init.a=1 init=/sbin/init init.b=\"x y\" initrd=z init.=bad init.c", "init.").ToList();

        Assert.That(pairs, Is.EqualTo(new[] { ("a", "1"), ("b", "x y") }));
    }
}
