using System.Runtime.InteropServices;
using static Init.Interop.Consts;
using T = Tmds.Linux.LibC;

namespace Init.Interop;

// Processes: reaping, pidfds, prctl, and changing our own state before exec-ing away (chpst's job).
public static unsafe partial class Sys
{
    /// <summary>waitpid(2) with EINTR retried: the pid reaped, 0 (WNOHANG, none ready) or -1.</summary>
    /// <summary>
    /// Whether this process has a child (alive or a zombie): the main thread's
    /// <c>/proc/self/task/PID/children</c>, where children spawned from it and re-parented orphans are listed.
    /// </summary>
    public static bool HasChildren()
    {
        Span<byte> buffer = stackalloc byte[16];
        int pid = GetPid();
        return ReadFile($"/proc/{pid}/task/{pid}/children", buffer) > 0;
    }

    public static int WaitPid(int pid, out int status, int options)
    {
        int st = 0, r;
        do r = Libc.waitpid(pid, &st, options);
        while (Interrupted(r, LastError));
        status = r >= 0 ? st : 0;
        return r;
    }

    /// <summary>A pidfd for <paramref name="pid"/> (Linux ≥ 5.3), O_CLOEXEC by definition, or -1.</summary>
    public static int PidfdOpen(int pid)
    {
        long r = Libc.syscall(SYS_pidfd_open, pid, 0);
        return r >= 0 ? (int)r : Fail(LastError);
    }

    public static int Prctl(int option, ulong arg2) => Result(Libc.prctl(option, (nuint)arg2, 0, 0, 0));

    /// <summary>PR_GET_CHILD_SUBREAPER: whether orphans of our descendants are re-parented to us.</summary>
    public static bool IsSubreaper()
    {
        int bit = 0;
        return Result(Libc.prctl(PR_GET_CHILD_SUBREAPER, (nuint)(&bit), 0, 0, 0)) == 0 && bit != 0;
    }

    public static int GetPid() => T.getpid();
    public static int GetPpid() => T.getppid();
    public static uint GetUid() => T.getuid();
    public static uint GetEuid() => T.geteuid();
    public static int SetSid() => T.setsid() < 0 ? Fail(TmdsErrno) : 0;

    public static int SetGroups(ReadOnlySpan<uint> gids)
    {
        fixed (uint* g = gids) return Result(Libc.setgroups((nuint)gids.Length, g));
    }

    public static int SetGid(uint gid) => Result(Libc.setgid(gid));
    public static int SetUid(uint uid) => Result(Libc.setuid(uid));

    public static int Chroot(string path)
    {
        Span<byte> p = Utf8Z(path, stackalloc byte[256]);
        fixed (byte* pp = p) return Result(Libc.chroot(pp));
    }

    /// <summary>nice(2): -1 can be a valid result, so errno is cleared first and checked.</summary>
    public static int Nice(int increment)
    {
        Marshal.SetLastPInvokeError(0);
        int r = Libc.nice(increment);
        int e = LastError;
        return r == -1 && e != 0 ? Fail(e) : 0;
    }

    public static int GetRlimit(int resource, out Rlimit limit)
    {
        Rlimit l;
        int r = Result(Libc.getrlimit(resource, &l));
        limit = l;
        return r;
    }

    public static int SetRlimit(int resource, Rlimit limit) => Result(Libc.setrlimit(resource, &limit));

    /// <summary>
    /// setenv(3) on the C library's environ, which execvp and spawned children get; null unsets.
    /// A name with '=' (an envdir file "a=b") becomes the entry "a=b=value", or "a=b" for an unset, as
    /// runit's pathexec_env makes them, through putenv(3), whose string must live on: it is never
    /// freed (chpst execs next).
    /// </summary>
    public static int SetEnvironment(string name, string? value)
    {
        if (name.Contains('='))
        {
            // runit's unset marker is the bare name, which with an '=' in it reads as an entry.
            Span<byte> entry = Utf8Z(value is null ? name : name + "=" + value, stackalloc byte[1024]);
            byte* kept = (byte*)NativeMemory.Alloc((nuint)entry.Length);
            entry.CopyTo(new Span<byte>(kept, entry.Length));
            return Result(Libc.putenv(kept));
        }
        Span<byte> n = Utf8Z(name, stackalloc byte[256]);
        fixed (byte* pn = n)
        {
            if (value is null) return Result(Libc.unsetenv(pn));
            Span<byte> v = Utf8Z(value, stackalloc byte[1024]);
            fixed (byte* pv = v) return Result(Libc.setenv(pn, pv, 1));
        }
    }

    /// <summary>execvp(3): only returns on failure (-1, <see cref="Errno"/>).</summary>
    public static int ExecVp(string file, IReadOnlyList<string> argv)
    {
        var strings = new NativeStrings();
        try
        {
            byte** array = strings.AddArray(argv);
            Libc.execvp(strings.Add(file), array);
            return Fail(LastError);
        }
        finally
        {
            strings.Dispose();
        }
    }

    /// <summary>
    /// execv(3): the program at <paramref name="path"/>, no PATH search and no fallback to /bin/sh for a
    /// file without #! (execvp's), as posix_spawn runs ./run. Only returns on failure (-1, <see cref="Errno"/>).
    /// </summary>
    public static int ExecV(string path, IReadOnlyList<string> argv)
    {
        var strings = new NativeStrings();
        try
        {
            byte** array = strings.AddArray(argv);
            Libc.execv(strings.Add(path), array);
            return Fail(LastError);
        }
        finally
        {
            strings.Dispose();
        }
    }
}
