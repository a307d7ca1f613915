using Init.Interop;
using Init.Runtime;

namespace Init.Boot;

/// <summary>Starts stage scripts and waits for them on the event loop; reports how they ended.</summary>
public sealed class Hooks(EventLoop loop, BootLog log, IReadOnlyList<string> environment, int console)
{
    /// <summary>
    /// How init starts every child of its own (stage scripts, the scanner): in a new session, in
    /// "/", on the console, with the stage environment.
    /// </summary>
    public SpawnRequest Request(string path, string[] arguments, bool searchPath = false) => new()
    {
        Path = path,
        Arguments = arguments,
        SearchPath = searchPath,
        WorkingDirectory = "/",
        Stdin = console,
        Stdout = console,
        Stderr = console,
        Environment = environment,
    };

    /// <summary>Starts <paramref name="path"/> (argv = {path}) and watches it. Returns the pid, or 0 (logged) when it cannot start.</summary>
    public int Start(string path, Action<int> onExit, string[]? arguments = null)
    {
        int rc = Spawner.Spawn(Request(path, arguments ?? [path]), out int pid);
        if (rc != 0)
        {
            log.Warn($"unable to start {path}: {ErrorText.Of(rc)}");
            return 0;
        }
        loop.WatchChild(pid, onExit);
        return pid;
    }

    public static string? Executable(params string[] candidates)
    {
        foreach (string c in candidates)
            if (!string.IsNullOrEmpty(c) && RunitFiles.IsExecutable(c)) return c;
        return null;
    }
}
