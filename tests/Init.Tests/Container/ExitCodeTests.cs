using Init.Tests.Support;

namespace Init.Tests.Container;

/// <summary>The entrypoint exits with the child's code, 128+N when it was killed by signal N, and remaps with -e.</summary>
[TestFixture]
public sealed class ExitCodeTests
{
    private static RunResult InNamespace(string which, params string[] args) =>
        Run.Command("/usr/bin/unshare", ["--fork", "--pid", "--mount-proc", Entrypoint.Program(which), .. args]);

    [TestCase(Entrypoint.Ours), TestCase(Entrypoint.Tini), TestCase(Entrypoint.OursDumb), TestCase(Entrypoint.DumbInit), TestCase(Entrypoint.OursInit)]
    [CancelAfter(20_000)]
    public void The_exit_code_is_the_childs(string which)
    {
        var r = InNamespace(which, "--", "/bin/sh", "-c", "exit 7");

        Assert.That(r.ExitCode, Is.EqualTo(7), r.ToString());
    }

    [TestCase(Entrypoint.Ours, 10), TestCase(Entrypoint.Tini, 10), TestCase(Entrypoint.Ours, 9), TestCase(Entrypoint.Tini, 9),
     TestCase(Entrypoint.OursDumb, 10), TestCase(Entrypoint.DumbInit, 10)]
    [CancelAfter(20_000)]
    public void A_child_killed_by_signal_N_gives_128_plus_N(string which, int signo)
    {
        var r = InNamespace(which, "--", "/bin/sh", "-c", $"kill -{signo} $$");

        Assert.That(r.ExitCode, Is.EqualTo(128 + signo), r.ToString());
    }

    [TestCase(Entrypoint.Ours), TestCase(Entrypoint.Tini), CancelAfter(20_000)]
    public void Remapped_exit_codes_become_0_and_others_stay(string which)
    {
        var remapped = InNamespace(which, "-e", "143", "-e", "3", "--", "/bin/sh", "-c", "kill -TERM $$");
        var three = InNamespace(which, "-e", "143", "-e", "3", "--", "/bin/sh", "-c", "exit 3");
        var other = InNamespace(which, "-e", "143", "--", "/bin/sh", "-c", "exit 4");

        Assert.That((remapped.ExitCode, three.ExitCode, other.ExitCode), Is.EqualTo((0, 0, 4)), remapped + "\n" + three + "\n" + other);
    }

    [TestCase(Entrypoint.Ours), TestCase(Entrypoint.Tini), CancelAfter(20_000)]
    public void A_missing_program_gives_127_and_a_non_executable_one_126_with_tinis_message(string which)
    {
        using var dir = new TempDirectory();
        string data = dir.Write("data", "not a program\n");
        var missing = InNamespace(which, "--", "/nonexistent/program");
        var notExecutable = InNamespace(which, "--", data);

        Assert.That(missing.ExitCode, Is.EqualTo(127), missing.ToString());
        Assert.That(missing.Stderr, Does.Match(@"\[FATAL tini \(\d+\)\] exec /nonexistent/program failed: No such file or directory"));
        Assert.That(notExecutable.ExitCode, Is.EqualTo(126), notExecutable.ToString());
        Assert.That(notExecutable.Stderr, Does.Match(@"\[FATAL tini \(\d+\)\] exec " + data + " failed: Permission denied"));
    }

    [TestCase(Entrypoint.Ours), TestCase(Entrypoint.Tini), TestCase(Entrypoint.OursDumb), TestCase(Entrypoint.DumbInit), CancelAfter(20_000)]
    public void An_executable_file_without_interpreter_line_runs_through_sh_as_execvp_does(string which)
    {
        using var dir = new TempDirectory();
        string script = dir.Write("script", "echo \"ran with $1\"\nexit 9\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);

        var r = InNamespace(which, "--", script, "arg");

        Assert.That((r.ExitCode, r.Stdout), Is.EqualTo((9, "ran with arg\n")), r.ToString());
    }

    [TestCase(Entrypoint.OursDumb), TestCase(Entrypoint.DumbInit), CancelAfter(20_000)]
    public void Dumb_init_gives_2_when_the_program_cannot_be_run(string which)
    {
        var r = InNamespace(which, "/nonexistent/program");

        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.Stderr, Is.EqualTo("[dumb-init] /nonexistent/program: No such file or directory\n"));
    }

    [TestCase(Entrypoint.Ours, "-x"), TestCase(Entrypoint.Tini, "-x"), TestCase(Entrypoint.Ours, "-p"), TestCase(Entrypoint.Tini, "-p"),
     TestCase(Entrypoint.OursDumb, "--bogus"), TestCase(Entrypoint.DumbInit, "--bogus"), TestCase(Entrypoint.OursDumb, "-x"), TestCase(Entrypoint.DumbInit, "-x")]
    [CancelAfter(20_000)]
    public void An_unknown_option_is_a_usage_error_with_exit_code_1(string which, string option)
    {
        var r = option == "-p" ? Run.Command(Entrypoint.Program(which), option) : Run.Command(Entrypoint.Program(which), option, "--", "/bin/true");

        Assert.That(r.ExitCode, Is.EqualTo(1), r.ToString());
        string name = Entrypoint.Program(which); // getopt names argv[0] as given
        Assert.That(r.Stderr, Does.StartWith(option switch
        {
            "-x" => $"{name}: invalid option -- 'x'\n",
            "-p" => $"{name}: option requires an argument -- 'p'\n",
            _ => $"{name}: unrecognized option '--bogus'\n",
        }));
    }

    [TestCase(Entrypoint.Ours), TestCase(Entrypoint.Tini), CancelAfter(20_000)]
    public void Invalid_option_values_are_fatal_with_tinis_message(string which)
    {
        var signal = Run.Command(Entrypoint.Program(which), "-p", "KILL", "--", "/bin/true");
        var code = Run.Command(Entrypoint.Program(which), "-e", "256", "--", "/bin/true");

        Assert.That(signal.ExitCode, Is.EqualTo(1));
        Assert.That(signal.Stderr, Does.Match(@"^\[FATAL tini \(\d+\)\] Not a valid option for -p: KILL\n"));
        Assert.That(code.ExitCode, Is.EqualTo(1));
        Assert.That(code.Stderr, Does.Match(@"^\[FATAL tini \(\d+\)\] Not a valid option for -e: 256\n"));
    }

    [Test, CancelAfter(20_000)]
    public void Help_is_tinis_text_for_the_tini_link()
    {
        var ours = Run.Command(Entrypoint.Program(Entrypoint.Ours), "-h");
        var theirs = Run.Command(Entrypoint.Program(Entrypoint.Tini), "-h");

        Assert.That(ours.ExitCode, Is.EqualTo(theirs.ExitCode));
        // Ours adds two option lines and two variable lines; everything else is identical.
        string[] additions = ["--wait-descendants", "INIT_KILL_DESCENDANTS_GRACE", "--services", "INIT_SERVICES"];
        var oursWithoutAdditions = string.Join("\n", ours.Stdout.Split('\n').Where(l => !additions.Any(l.Contains)));
        Assert.That(oursWithoutAdditions, Is.EqualTo(theirs.Stdout));
    }

    [Test, CancelAfter(20_000)]
    public void Init_dashdash_runs_the_command_as_the_container_entrypoint()
    {
        var plain = InNamespace(Entrypoint.OursInit, "--", "/bin/sh", "-c", "exit 5");
        var withOptions = InNamespace(Entrypoint.OursInit, "-g", "-e", "6", "--", "/bin/sh", "-c", "exit 6");
        var version = Run.Command(Binary.Applet("tini"), "--version");

        Assert.That(plain.ExitCode, Is.EqualTo(5), plain.ToString());
        Assert.That(withOptions.ExitCode, Is.Zero, withOptions.ToString());
        Assert.That(version.Stdout, Does.StartWith("tini version 0.19.0"));
    }
}

/// <summary>tini's verbosity levels: the same lines from ours and from tini.</summary>
[TestFixture]
public sealed class VerbosityTests
{
    [TestCase(Entrypoint.Ours), TestCase(Entrypoint.Tini), CancelAfter(20_000)]
    public void Two_v_flags_print_tinis_info_lines_on_stdout(string which)
    {
        var r = Run.Command(Entrypoint.Program(which), "-s", "-vv", "--", "/bin/sh", "-c", "exit 4");

        Assert.That(r.ExitCode, Is.EqualTo(4));
        Assert.That(r.Stdout, Does.Match(@"^\[INFO  tini \(\d+\)\] Spawned child process '/bin/sh' with pid '\d+'\n"));
        Assert.That(r.Stdout, Does.Match(@"\[INFO  tini \(\d+\)\] Main child exited normally \(with status '4'\)\n$"));
    }

    [TestCase(Entrypoint.Ours), TestCase(Entrypoint.Tini), CancelAfter(20_000)]
    public void TINI_VERBOSITY_0_silences_the_reaper_warning(string which)
    {
        var r = Run.Command(Entrypoint.Program(which), ["--", "/bin/true"], environment: new Dictionary<string, string?> { ["TINI_VERBOSITY"] = "0" });

        Assert.That((r.ExitCode, r.Stderr, r.Stdout), Is.EqualTo((0, "", "")));
    }

    [TestCase("exit 3"), TestCase("sleep 0.2 & exit 0"), CancelAfter(20_000)]
    public void Three_v_flags_print_tinis_debug_and_trace_lines_as_tini_does(string script)
    {
        // Init learns of exits without SIGCHLD, yet prints tini's "Received SIGCHLD" for each, as scripts grep for it.
        static string[] Lines(RunResult r) => [.. System.Text.RegularExpressions.Regex.Replace(r.Stdout, @"\(\d+\)|'\d+'", "N").Split('\n')];
        var tini = Run.Command(Entrypoint.Program(Entrypoint.Tini), "-s", "-vvv", "--", "/bin/sh", "-c", script);
        var ours = Run.Command(Entrypoint.Program(Entrypoint.Ours), "-s", "-vvv", "--", "/bin/sh", "-c", script);

        Assert.That(ours.ExitCode, Is.EqualTo(tini.ExitCode));
        Assert.That(Lines(ours), Is.EqualTo(Lines(tini)), $"tini:\n{tini.Stdout}ours:\n{ours.Stdout}");
    }

    [TestCase(Entrypoint.Ours), TestCase(Entrypoint.Tini), CancelAfter(20_000)]
    public void A_child_killed_by_a_signal_is_reported_with_strsignals_text(string which)
    {
        var r = Run.Command(Entrypoint.Program(which), "-s", "-vv", "--", "/bin/sh", "-c", "kill -TERM $$");

        Assert.That(r.ExitCode, Is.EqualTo(143));
        Assert.That(r.Stdout, Does.Match(@"\[INFO  tini \(\d+\)\] Main child exited with signal \(with signal 'Terminated'\)\n$"));
    }
}
