using System.Diagnostics;
using System.Text;

namespace Init.Tests.Support;

public sealed record RunResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}--- stderr\n{Stderr}";
}

/// <summary>Runs programs for tests (tests may use Process; production code may not).</summary>
public static class Run
{
    /// <summary>Runs to completion (killed after <paramref name="timeoutMs"/>) and captures both streams.</summary>
    public static RunResult Command(string file, IEnumerable<string> args, string? workingDirectory = null,
        IDictionary<string, string?>? environment = null, int timeoutMs = 20_000, string? stdin = null, bool cleanEnvironment = false)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        if (cleanEnvironment) info.Environment.Clear();
        if (environment is not null)
            foreach (var (k, v) in environment) info.Environment[k] = v;
        using var p = Process.Start(info) ?? throw new InvalidOperationException("cannot start " + file);
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.Append(e.Data).Append('\n'); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.Append(e.Data).Append('\n'); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(timeoutMs))
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit();
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeoutMs} ms\nstdout: {stdout}\nstderr: {stderr}");
        }
        p.WaitForExit();
        lock (stdout) lock (stderr) return new RunResult(p.ExitCode, stdout.ToString(), stderr.ToString());
    }

    public static RunResult Command(string file, params string[] args) => Command(file, (IEnumerable<string>)args);

    /// <summary>Runs a shell snippet with /bin/sh -c.</summary>
    public static RunResult Shell(string script, string? workingDirectory = null, int timeoutMs = 20_000) =>
        Command("/bin/sh", ["-c", script], workingDirectory, timeoutMs: timeoutMs);

    /// <summary>Starts a long-running process (stdout/stderr to files in <paramref name="logDirectory"/>).</summary>
    public static Process Background(string file, IEnumerable<string> args, string workingDirectory, string logDirectory, string logName,
        IDictionary<string, string?>? environment = null)
    {
        var stdoutPath = Path.Combine(logDirectory, logName + ".out");
        var stderrPath = Path.Combine(logDirectory, logName + ".err");
        var info = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
        };
        // exec through sh so the child gets plain files as stdout/stderr and our pid is its pid.
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec \"$0\" \"$@\" >\"" + stdoutPath + "\" 2>\"" + stderrPath + "\" </dev/null");
        info.ArgumentList.Add(file);
        foreach (var a in args) info.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment) info.Environment[k] = v;
        var p = Process.Start(info) ?? throw new InvalidOperationException("cannot start " + file);
        p.StandardInput.Close();
        return p;
    }

    /// <summary>Polls <paramref name="condition"/> every 20 ms until true or the timeout; returns whether it became true.</summary>
    public static bool Until(Func<bool> condition, int timeoutMs = 10_000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            try { if (condition()) return true; } catch (IOException) { } catch (UnauthorizedAccessException) { }
            Thread.Sleep(20);
        }
        try { return condition(); } catch (IOException) { return false; }
    }

    public static void Kill(Process p, int signal = 15)
    {
        try { Command("/bin/kill", $"-{signal}", p.Id.ToString()); } catch (InvalidOperationException) { }
    }
}
