using System.Runtime.InteropServices;
using static Init.Interop.Consts;

namespace Init.Interop;

/// <summary>
/// Changing our own process state and exec-ing away (chpst's job). Errors come back as -1 with
/// <see cref="Errno"/> set, like <see cref="Sys"/>.
/// </summary>
public static unsafe class SysProcess
{
    [ThreadStatic] private static int _errno;
    public static int Errno => _errno;
    private static int Result(int r) { if (r < 0) _errno = Marshal.GetLastPInvokeError(); return r < 0 ? -1 : r; }

    public static int SetGroups(ReadOnlySpan<uint> gids)
    {
        fixed (uint* g = gids) return Result(Libc.setgroups((nuint)gids.Length, g));
    }

    public static int SetGid(uint gid) => Result(Libc.setgid(gid));
    public static int SetUid(uint uid) => Result(Libc.setuid(uid));

    public static int Chroot(string path)
    {
        Span<byte> p = Sys.Utf8Z(path, stackalloc byte[256]);
        fixed (byte* pp = p) return Result(Libc.chroot(pp));
    }

    /// <summary>nice(2): -1 can be a valid result, so errno is cleared first and checked.</summary>
    public static int Nice(int increment)
    {
        Marshal.SetLastPInvokeError(0);
        int r = Libc.nice(increment);
        int e = Marshal.GetLastPInvokeError();
        if (r == -1 && e != 0) { _errno = e; return -1; }
        return 0;
    }

    public static int GetRlimit(int resource, out Rlimit limit)
    {
        Rlimit l;
        int r = Result(Libc.getrlimit(resource, &l));
        limit = l;
        return r;
    }

    public static int SetRlimit(int resource, Rlimit limit) => Result(Libc.setrlimit(resource, &limit));

    /// <summary>setenv(3) on the C library's environ, which execvp passes on; null unsets.</summary>
    public static void SetEnvironment(string name, string? value)
    {
        Span<byte> n = Sys.Utf8Z(name, stackalloc byte[256]);
        fixed (byte* pn = n)
        {
            if (value is null) { Libc.unsetenv(pn); return; }
            Span<byte> v = Sys.Utf8Z(value, stackalloc byte[1024]);
            fixed (byte* pv = v) Libc.setenv(pn, pv, 1);
        }
    }

    /// <summary>
    /// Puts every signal back to SIG_DFL and unblocks all of them, so the program we exec does
    /// not inherit the .NET runtime's dispositions (it ignores SIGPIPE; SIG_IGN survives exec).
    /// </summary>
    public static void ResetSignals()
    {
        for (int s = 1; s <= 64; s++)
            if (s != SIGKILL && s != SIGSTOP) Libc.signal(s, 0 /* SIG_DFL */);
        byte* empty = stackalloc byte[SigsetSize];
        Libc.sigemptyset(empty);
        Libc.sigprocmask(SIG_SETMASK, empty, null);
    }

    /// <summary>execvp(3): only returns on failure (-1, <see cref="Errno"/>).</summary>
    public static int ExecVp(string file, IReadOnlyList<string> argv)
    {
        var blocks = new List<nint>();
        try
        {
            byte* Native(string s)
            {
                int n = System.Text.Encoding.UTF8.GetByteCount(s);
                byte* p = (byte*)NativeMemory.Alloc((nuint)n + 1);
                blocks.Add((nint)p);
                System.Text.Encoding.UTF8.GetBytes(s, new Span<byte>(p, n));
                p[n] = 0;
                return p;
            }
            byte** array = (byte**)NativeMemory.Alloc((nuint)(argv.Count + 1), (nuint)sizeof(nint));
            blocks.Add((nint)array);
            for (int i = 0; i < argv.Count; i++) array[i] = Native(argv[i]);
            array[argv.Count] = null;
            Libc.execvp(Native(file), array);
            _errno = Marshal.GetLastPInvokeError();
            return -1;
        }
        finally
        {
            foreach (nint p in blocks) NativeMemory.Free((void*)p);
        }
    }
}
