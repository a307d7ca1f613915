using Init.Configuration;

namespace Init.Tests.Pid1;

/// <summary>InitOptions binding (source-generated): every field, every source, and bad input.</summary>
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
        var o = InitConfiguration.Load("/nonexistent/init.conf", "/nonexistent/cmdline", [], _ => Assert.Fail("no warning expected"), new Dictionary<string, string?>());

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
    public void Malformed_file_and_values_warn_and_keep_the_defaults()
    {
        string file = Path.GetTempFileName();
        File.WriteAllText(file, "[unclosed\nno equals sign here\n");
        var warnings = new List<string>();
        var env = new Dictionary<string, string?> { ["INIT_STOPGRACESECONDS"] = "soon", ["INIT_MOUNT"] = "perhaps", ["INIT_MODE"] = "weird", ["INIT_KILLGRACESECONDS"] = "-4" };

        var o = InitConfiguration.Load(file, null, [], warnings.Add, env);
        File.Delete(file);

        Assert.That(o.StopGraceSeconds, Is.EqualTo(7));
        Assert.That(o.Mount, Is.True);
        Assert.That(o.Mode, Is.EqualTo("auto"));
        Assert.That(o.KillGraceSeconds, Is.EqualTo(3));
        Assert.That(warnings, Has.Count.EqualTo(5), string.Join("\n", warnings));
    }

    [Test, MaxTime(5_000)]
    public void Kernel_command_line_parsing_keeps_only_prefixed_words()
    {
        var pairs = KernelCommandLineConfigurationProvider.Parse("quiet init.a=1 init=/sbin/init init.b=\"x y\" initrd=z init.=bad init.c", "init.").ToList();

        Assert.That(pairs, Is.EqualTo(new[] { ("a", "1"), ("b", "x y") }));
    }
}
