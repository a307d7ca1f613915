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
    /// <summary>
    /// The running test's bound: its <c>[CancelAfter]</c> (or the assembly's default in TimeBounds.cs)
    /// cancels this token, and every wait below observes it, so the attribute really ends the test.
    /// </summary>
    private static CancellationToken TestBound => TestContext.CurrentContext.CancellationToken;

    private static void ThrowIfOutOfTime(string waitingFor)
    {
        if (TestBound.IsCancellationRequested)
            throw new TimeoutException($"the test's time bound ([CancelAfter]) ran out while waiting for {waitingFor}");
    }

    /// <summary>
    /// Runs to completion (killed after <paramref name="timeoutMs"/>, or when the test's bound runs
    /// out unless <paramref name="cancellable"/> is false, as in clean-up) and captures both streams.
    /// </summary>
    public static RunResult Command(string file, IEnumerable<string> args, string? workingDirectory = null,
        IDictionary<string, string?>? environment = null, int timeoutMs = 20_000, string? stdin = null, bool cleanEnvironment = false,
        bool cancellable = true)
    {
        Requires.Installed(file);
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
        // A program may exit (or refuse its input) before reading all of it: that is its answer, not the test's failure.
        try
        {
            if (stdin is not null) p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        catch (IOException) { }
        var clock = Stopwatch.StartNew();
        while (!p.WaitForExit(50))
        {
            bool outOfTime = cancellable && TestBound.IsCancellationRequested;
            if (!outOfTime && clock.ElapsedMilliseconds < timeoutMs) continue;
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit();
            string what = outOfTime ? "the test's time bound ([CancelAfter]) ran out" : $"did not finish in {timeoutMs} ms";
            throw new TimeoutException($"{file} {string.Join(' ', args)}: {what}\nstdout: {stdout}\nstderr: {stderr}");
        }
        p.WaitForExit();
        lock (stdout) lock (stderr) return new RunResult(p.ExitCode, stdout.ToString(), stderr.ToString());
    }

    public static RunResult Command(string file, params string[] args) => Command(file, (IEnumerable<string>)args);

    /// <summary>Runs a shell snippet with /bin/sh -c.</summary>
    public static RunResult Shell(string script, string? workingDirectory = null, int timeoutMs = 20_000, bool cancellable = true) =>
        Command("/bin/sh", ["-c", script], workingDirectory, timeoutMs: timeoutMs, cancellable: cancellable);

    /// <summary>Starts a long-running process (stdout/stderr to files in <paramref name="logDirectory"/>).</summary>
    public static Process Background(string file, IEnumerable<string> args, string workingDirectory, string logDirectory, string logName,
        IDictionary<string, string?>? environment = null)
    {
        Requires.Installed(file);
        var stdoutPath = Path.Combine(logDirectory, logName + ".out");
        var stderrPath = Path.Combine(logDirectory, logName + ".err");
        var info = new ProcessStartInfo("/bin/bash")
        {
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
        };
        // exec through bash so the child gets plain files as stdout/stderr and our pid is its pid, and
        // no descriptor beyond 0–2 that the test runner's own parent leaked to it (CI harnesses do;
        // the descriptor-limit tests count every one). dash cannot close descriptors above 9.
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("for f in /proc/self/fd/*; do n=${f##*/}; [ \"$n\" -gt 2 ] && eval \"exec $n>&-\"; done; " +
            "exec \"$0\" \"$@\" >\"" + stdoutPath + "\" 2>\"" + stderrPath + "\" </dev/null");
        info.ArgumentList.Add(file);
        foreach (var a in args) info.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment) info.Environment[k] = v;
        var p = Process.Start(info) ?? throw new InvalidOperationException("cannot start " + file);
        p.StandardInput.Close();
        return p;
    }

    /// <summary>
    /// Polls <paramref name="condition"/> every 20 ms until true or the timeout; returns whether it
    /// became true. Throws when the test's bound runs out first.
    /// </summary>
    public static bool Until(Func<bool> condition, int timeoutMs = 10_000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            if (Holds(condition)) return true;
            ThrowIfOutOfTime("a condition");
            Thread.Sleep(20);
        }
        return Holds(condition);
    }

    /// <summary>
    /// A negative check: watches for <paramref name="happened"/> for <paramref name="within"/> and
    /// fails the test at once if it becomes true. Nothing can prove that a thing never happens; this
    /// bounds the wait and says so (tests using it name the bound, e.g. <c>_within_1s</c>).
    /// </summary>
    public static void Never(Func<bool> happened, TimeSpan within, string what)
    {
        var sw = Stopwatch.StartNew();
        do
        {
            if (Holds(happened)) Assert.Fail($"{what} happened after {sw.ElapsedMilliseconds} ms (watched for {within.TotalMilliseconds:0} ms)");
            ThrowIfOutOfTime("a negative check");
            Thread.Sleep(20);
        }
        while (sw.Elapsed < within);
        if (Holds(happened)) Assert.Fail($"{what} happened after {sw.ElapsedMilliseconds} ms (watched for {within.TotalMilliseconds:0} ms)");
    }

    /// <summary>
    /// Watches a growing count (lines of a log, starts of a service) until it reaches
    /// <paramref name="atLeast"/>; returns when (ms since the call, to the 20 ms of polling) it
    /// reached 1, 2, … so a test can assert the pace of retries instead of counting after a sleep.
    /// </summary>
    public static long[] Arrivals(Func<int> count, int atLeast, int timeoutMs = 10_000)
    {
        var seen = new List<long>();
        var clock = Stopwatch.StartNew();
        bool reached = Until(() =>
        {
            int n = count();
            while (seen.Count < n) seen.Add(clock.ElapsedMilliseconds);
            return n >= atLeast;
        }, timeoutMs);
        Assert.That(reached, Is.True, $"only {seen.Count} of {atLeast} in {timeoutMs} ms");
        return seen.Take(atLeast).ToArray();
    }

    /// <summary>Waits for a process (its exit code, or null after the timeout); observes the test's bound.</summary>
    public static int? WaitForExit(Process p, int timeoutMs)
    {
        var sw = Stopwatch.StartNew();
        while (!p.WaitForExit(Math.Min(50, timeoutMs)))
        {
            if (sw.ElapsedMilliseconds >= timeoutMs) return null;
            ThrowIfOutOfTime("process " + p.Id);
        }
        p.WaitForExit();
        return p.ExitCode;
    }

    private static bool Holds(Func<bool> condition)
    {
        try { return condition(); }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    /// <summary>Sends a signal (clean-up safe: never cancelled by the test's bound).</summary>
    public static void Kill(Process p, int signal = 15)
    {
        try { Command("/bin/kill", [$"-{signal}", p.Id.ToString()], cancellable: false); } catch (InvalidOperationException) { }
    }
}
