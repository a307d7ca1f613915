using System.Diagnostics;
using Init.Tests.Support;

namespace Init.Tests.Container;

/// <summary>
/// dumb-init on a terminal (`docker run -it … dumb-init bash`): it gives the terminal up and its
/// child, leading a new session, takes it as its controlling terminal, so the child's group is in
/// the foreground and ctrl-c reaches it. Debian's dumb-init and ours on the same pty (script(1)).
/// </summary>
[TestFixture]
public class DumbInitTerminalTests
{
    [TestCase(Entrypoint.OursDumb), TestCase(Entrypoint.DumbInit), CancelAfter(20_000)]
    public void The_child_takes_the_terminal_and_ctrl_c_on_it_interrupts_the_child(string which)
    {
        Requires.Installed("/usr/bin/script");
        string program = Entrypoint.Program(which);
        Requires.Installed(program);
        // script(1) runs its command with $SHELL -c; "exec" makes the entrypoint the session leader that owns
        // the pty whatever that shell is (dash, unlike bash, forks for a lone command).
        // The child's session, controlling terminal (tty_nr) and foreground group (tpgid), from /proc/self/stat.
        var state = Run.Command("/usr/bin/script", ["-qec", $"exec {program} /bin/sh -c 'exec cut -d\" \" -f1,6-8 /proc/self/stat'", "/dev/null"]);
        var fields = state.Stdout.Split([' ', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
        Assert.That(fields, Has.Length.EqualTo(4), state.ToString());
        Assert.That(fields[1], Is.EqualTo(fields[0]), "the child leads a session of its own");
        Assert.That(fields[2], Is.Not.EqualTo("0"), "the child has a controlling terminal\n" + state);
        Assert.That(fields[3], Is.EqualTo(fields[0]), "its group is the terminal's foreground group");

        // ctrl-c typed on the terminal: SIGINT to the foreground group, the child's; the entrypoint exits 128+2.
        var info = new ProcessStartInfo("/usr/bin/script") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-qec", $"exec {program} /bin/sh -c 'echo ready; exec sleep 15'", "/dev/null" }) info.ArgumentList.Add(a);
        using var script = Process.Start(info)!;
        var output = new System.Text.StringBuilder();
        script.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Append(e.Data).Append('\n'); };
        script.BeginOutputReadLine();
        Assert.That(Run.Until(() => { lock (output) return output.ToString().Contains("ready"); }, 10_000), Is.True, "never started");
        Thread.Sleep(200);
        script.StandardInput.Write("\u0003");
        script.StandardInput.Flush();
        Assert.That(Run.WaitForExit(script, 10_000), Is.EqualTo(130), "ctrl-c did not interrupt the child\n" + output);
    }
}
