using System.Runtime.InteropServices;
using static Init.Interop.Consts;
using T = Tmds.Linux.LibC;

namespace Init.Interop;

// Sending signals, dispositions and masks.
public static unsafe partial class Sys
{
    public static int Kill(int pid, int signo) => T.kill(pid, signo) == 0 ? 0 : Fail(TmdsErrno);

    /// <summary>signal(2) to SIG_DFL.</summary>
    public static int SetSignalDefault(int signo) => Libc.signal(signo, 0 /* SIG_DFL */) == -1 /* SIG_ERR */ ? Fail(LastError) : 0;

    /// <summary>
    /// Puts every signal back to SIG_DFL and unblocks all of them, so the program we exec does
    /// not inherit the .NET runtime's dispositions (it ignores SIGPIPE; SIG_IGN survives exec).
    /// glibc refuses its own internal signals (32, 33) with EINVAL: those are skipped, not errors.
    /// A failure does not stop the rest: -1 and the last errno once everything was tried.
    /// </summary>
    public static int ResetSignals()
    {
        int failure = 0;
        for (int s = 1; s <= 64; s++)
            if (s != SIGKILL && s != SIGSTOP && SetSignalDefault(s) < 0 && _errno != EINVAL) failure = _errno;
        byte* empty = stackalloc byte[SigsetSize];
        if (Result(Libc.sigemptyset(empty)) < 0 || Result(Libc.sigprocmask(SIG_SETMASK, empty, null)) < 0) failure = _errno;
        return failure == 0 ? 0 : Fail(failure);
    }

    /// <summary>This thread's blocked signals 1–64 (bit n-1 for signal n), or -1.</summary>
    public static int GetSignalMask(out ulong first64)
    {
        byte* old = stackalloc byte[SigsetSize];
        first64 = 0;
        if (Result(Libc.sigprocmask(SIG_BLOCK, null, old)) < 0) return -1;
        first64 = *(ulong*)old;
        return 0;
    }

    /// <summary>signal(2) to SIG_IGN.</summary>
    public static int SetSignalIgnored(int signo) => Libc.signal(signo, 1 /* SIG_IGN */) == -1 /* SIG_ERR */ ? Fail(LastError) : 0;

    /// <summary>Adds signals 1–64 (bit n-1 for signal n) to this thread's mask (<paramref name="block"/>) or takes them out of it.</summary>
    public static int ChangeSignalMask(ulong first64, bool block)
    {
        byte* set = stackalloc byte[SigsetSize];
        WriteSigset(set, first64);
        return Result(Libc.sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, set, null));
    }

    /// <summary>A non-blocking, close-on-exec signalfd for signals 1–64 (bit n-1 for signal n), or -1.</summary>
    public static int SignalFd(ulong first64)
    {
        byte* set = stackalloc byte[SigsetSize];
        WriteSigset(set, first64);
        int fd = Libc.signalfd(-1, set, O_NONBLOCK | O_CLOEXEC);
        return fd >= 0 ? fd : Fail(LastError);
    }

    /// <summary>A glibc sigset_t of <see cref="SigsetSize"/> bytes holding signals 1–64 (bit n-1 for signal n) and nothing above.</summary>
    public static void WriteSigset(byte* set, ulong first64)
    {
        new Span<byte>(set, SigsetSize).Clear();
        *(ulong*)set = first64;
    }

    /// <summary>sizeof(struct signalfd_siginfo), whose first u32 is ssi_signo.</summary>
    public const int SignalFdInfoSize = 128;

    /// <summary>glibc's strsignal text ("Terminated"), as tini's INFO messages show it.</summary>
    public static string StrSignal(int signo) => Marshal.PtrToStringUTF8((nint)Libc.strsignal(signo)) ?? $"signal {signo}";
}
