using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Init.Bench;

/// <summary>
/// Wall time of one run of a program, from posix_spawn until its output has ended and it is reaped,
/// with stdout and stderr on a pipe this process drains. Not System.Diagnostics.Process: its start
/// (a fork of this large process, then output read on the thread pool) cost more than tini's whole
/// run and moved by more than the differences measured, so ratios of start-up times swung by 0.5x
/// from one run to the next. Everything the spawn needs is built once (<see cref="Prepare"/>), so
/// between runs this process allocates nothing. The .NET runtime here reaps only the children
/// Process started: these are ours to reap.
/// </summary>
public sealed unsafe partial class SpawnTimer : IDisposable
{
    private readonly string _description;
    private readonly List<nint> _strings = [];
    private readonly nint* _argv, _envp;
    private readonly byte* _actions, _attributes;
    private readonly nint _workingDirectory;
    private readonly byte[] _output = new byte[4096];

    private SpawnTimer(string file, string[] args, string? workingDirectory, string[] environment)
    {
        _description = string.Join(' ', [file, .. args]);
        string[] env = [.. environment, .. Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => !environment.Any(e => e.StartsWith(k + "=", StringComparison.Ordinal)))
            .Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}")];
        _argv = (nint*)NativeMemory.AllocZeroed((nuint)(args.Length + 2), (nuint)sizeof(nint));
        _argv[0] = Native(file);
        for (int i = 0; i < args.Length; i++) _argv[i + 1] = Native(args[i]);
        _envp = (nint*)NativeMemory.AllocZeroed((nuint)(env.Length + 1), (nuint)sizeof(nint));
        for (int i = 0; i < env.Length; i++) _envp[i] = Native(env[i]);

        // File actions are made per run (they name that run's pipe); the chdir is kept here.
        _actions = (byte*)NativeMemory.AllocZeroed(128);       // posix_spawn_file_actions_t: 80 bytes in glibc
        _workingDirectory = workingDirectory is null ? 0 : Native(workingDirectory);
        // A container runtime's start: every signal at its default (this runtime ignores SIGPIPE), none blocked.
        _attributes = (byte*)NativeMemory.AllocZeroed(512);    // posix_spawnattr_t: 336 bytes in glibc
        byte* all = stackalloc byte[128], none = stackalloc byte[128];
        new Span<byte>(all, 128).Fill(0xFF);
        new Span<byte>(none, 128).Clear();
        posix_spawnattr_init(_attributes);
        posix_spawnattr_setsigdefault(_attributes, all);
        posix_spawnattr_setsigmask(_attributes, none);
        posix_spawnattr_setflags(_attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    }

    /// <summary><paramref name="file"/> with <paramref name="args"/> (argv[0] is the file) and our environment plus <paramref name="environment"/>.</summary>
    public static SpawnTimer Prepare(string file, string[] args, string? workingDirectory = null, params string[] environment) =>
        new(file, args, workingDirectory, environment);

    /// <summary>One run, in milliseconds; throws with its output when it does not exit 0.</summary>
    public double Run()
    {
        int* pipe = stackalloc int[2];
        if (pipe2(pipe, O_CLOEXEC) != 0) throw new InvalidOperationException("pipe2 failed");
        posix_spawn_file_actions_init(_actions);
        posix_spawn_file_actions_adddup2(_actions, pipe[1], 1);
        posix_spawn_file_actions_adddup2(_actions, pipe[1], 2);
        if (_workingDirectory != 0) posix_spawn_file_actions_addchdir_np(_actions, _workingDirectory);
        try
        {
            long start = Stopwatch.GetTimestamp();
            int rc = posix_spawn(out int pid, _argv[0], _actions, _attributes, _argv, _envp);
            close(pipe[1]);
            if (rc != 0) throw new InvalidOperationException($"{_description}: posix_spawn: errno {rc}");
            int last = 0;   // the last chunk of output, for the error below
            fixed (byte* output = _output)
            {
                nint n;
                while ((n = read(pipe[0], output, _output.Length)) > 0 || (n < 0 && Marshal.GetLastPInvokeError() == EINTR))
                    if (n > 0) last = (int)n;
            }
            int status;
            while (waitpid(pid, &status, 0) < 0 && Marshal.GetLastPInvokeError() == EINTR) { }
            double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (status != 0) throw new InvalidOperationException($"{_description}: wait status {status}: {Encoding.UTF8.GetString(_output, 0, last)}");
            return ms;
        }
        finally
        {
            close(pipe[0]);
            posix_spawn_file_actions_destroy(_actions);
        }
    }

    /// <summary>One run of a command prepared for it alone.</summary>
    public static double Once(string file, string[] args, string? workingDirectory = null, params string[] environment)
    {
        using var timer = Prepare(file, args, workingDirectory, environment);
        return timer.Run();
    }

    public void Dispose()
    {
        posix_spawnattr_destroy(_attributes);
        NativeMemory.Free(_attributes);
        NativeMemory.Free(_actions);
        NativeMemory.Free(_argv);
        NativeMemory.Free(_envp);
        foreach (nint p in _strings) Marshal.FreeCoTaskMem(p);
        _strings.Clear();
    }

    private nint Native(string s)
    {
        nint p = Marshal.StringToCoTaskMemUTF8(s);
        _strings.Add(p);
        return p;
    }

    private const int O_CLOEXEC = 0x80000, EINTR = 4;
    private const short POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08;

    [LibraryImport("libc", SetLastError = true)] private static partial int pipe2(int* fds, int flags);
    [LibraryImport("libc", SetLastError = true)] private static partial int close(int fd);
    [LibraryImport("libc", SetLastError = true)] private static partial nint read(int fd, byte* buffer, nint count);
    [LibraryImport("libc", SetLastError = true)] private static partial int waitpid(int pid, int* status, int options);
    [LibraryImport("libc")] private static partial int posix_spawn(out int pid, nint path, byte* actions, byte* attributes, nint* argv, nint* envp);
    [LibraryImport("libc")] private static partial int posix_spawnattr_init(byte* attributes);
    [LibraryImport("libc")] private static partial int posix_spawnattr_destroy(byte* attributes);
    [LibraryImport("libc")] private static partial int posix_spawnattr_setflags(byte* attributes, short flags);
    [LibraryImport("libc")] private static partial int posix_spawnattr_setsigdefault(byte* attributes, byte* set);
    [LibraryImport("libc")] private static partial int posix_spawnattr_setsigmask(byte* attributes, byte* set);
    [LibraryImport("libc")] private static partial int posix_spawn_file_actions_init(byte* actions);
    [LibraryImport("libc")] private static partial int posix_spawn_file_actions_destroy(byte* actions);
    [LibraryImport("libc")] private static partial int posix_spawn_file_actions_adddup2(byte* actions, int fd, int target);
    [LibraryImport("libc")] private static partial int posix_spawn_file_actions_addchdir_np(byte* actions, nint path);
}
