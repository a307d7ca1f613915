using System.Runtime.CompilerServices;
using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Container;

/// <summary>
/// dumb-init passes on SEGV, BUS, FPE, ILL, TRAP, ABRT and SYS when they are <em>sent</em>
/// (kill(2), <c>docker kill -s</c>). PosixSignalRegistration cannot take them: its handler would
/// return into a real fault forever, and for SEGV and FPE the runtime's own handler comes first and
/// may turn a sent signal into a NullReferenceException wherever managed code happened to be.
/// <para>
/// So they are ignored and blocked in every thread, and read from a signalfd, which only ever sees
/// signals that were sent: a real fault is delivered to the faulting thread by force, and the kernel,
/// finding it blocked or ignored, puts the default action back first, so a real fault still ends the
/// process with its core dump, as it would end dumb-init. The price: in this mode the runtime no longer
/// turns a null dereference into an exception; the entrypoint crashes on one instead of going on.
/// </para>
/// <para>
/// Every thread includes the runtime's finalizer thread, which exists before Main; the mask is set
/// there by a finalizer, which costs a collection (about 0.3 ms). That is done once the child has
/// had <see cref="SettleMs"/> to run, so that neither its start nor a short container's exit waits
/// for it. Until then, or for good should a thread not block them, a sent fault is ignored: never
/// forwarded, but it never kills the entrypoint either.
/// </para>
/// </summary>
public sealed class SentFaults : IDisposable
{
    public static readonly SignalSet Signals = SignalSet.Of(SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGSYS);

    /// <summary>How long after start the forwarding is set up.</summary>
    public const long SettleMs = 50;

    private const int SIGTRAP = 5, SIGSYS = 31;

    private int _fd = -1;

    /// <summary>
    /// Ignores the faults and blocks them in this thread, before any PosixSignalRegistration (the
    /// runtime's signal thread, started by the first, inherits the mask).
    /// </summary>
    public static SentFaults Take()
    {
        for (int s = 1; s <= 31; s++)
            if (Signals.Contains(s)) Sys.SetSignalIgnored(s);
        Sys.ChangeSignalMask(Signals.Bits, block: true);
        return new SentFaults();
    }

    /// <summary>
    /// After <see cref="SettleMs"/>, passes each one sent to <paramref name="forward"/>, or says
    /// through <paramref name="cannot"/> why they stay ignored.
    /// </summary>
    public void Watch(EventLoop loop, Action<int> forward, Action<string> cannot) => loop.After(SettleMs, () =>
    {
        BlockOnFinalizerThread();
        string? why = !EveryThreadBlocks(Signals.Bits) ? "a thread of the runtime does not block them"
            : (_fd = Sys.SignalFd(Signals.Bits)) < 0 ? "signalfd: " + Sys.StrError(Sys.Errno) : null;
        if (why is not null)
        {
            Sys.ChangeSignalMask(Signals.Bits, block: false);
            cannot(why);
            return;
        }
        loop.Watch(_fd, () =>
        {
            Span<byte> info = stackalloc byte[Sys.SignalFdInfoSize];
            while (Sys.Read(_fd, info) == Sys.SignalFdInfoSize)
                forward((int)BitConverter.ToUInt32(info));
        });
    });

    public void Dispose()
    {
        if (_fd >= 0) Sys.Close(_fd);
        _fd = -1;
    }

    /// <summary>Every thread of ours (/proc/self/task/*/status SigBlk) blocks <paramref name="bits"/>.</summary>
    private static bool EveryThreadBlocks(ulong bits)
    {
        string[] tasks;
        try { tasks = Directory.GetDirectories("/proc/self/task"); }
        catch (IOException) { return false; }
        Span<byte> status = stackalloc byte[4096];
        foreach (string task in tasks)
        {
            int n = Sys.ReadFile(task + "/status", status);
            if (n <= 0) return false;
            var blocked = SignalSet.InStatus(System.Text.Encoding.ASCII.GetString(status[..n]), "SigBlk:");
            if ((blocked.Bits & bits) != bits) return false;
        }
        return true;
    }

    /// <summary>Runs the mask change on the finalizer thread: the one place our code runs there.</summary>
    private static void BlockOnFinalizerThread()
    {
        Abandon();
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        GC.WaitForPendingFinalizers();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Abandon() => _ = new FinalizerThreadMask();

    private sealed class FinalizerThreadMask
    {
        ~FinalizerThreadMask() => Sys.ChangeSignalMask(Signals.Bits, block: true);
    }
}
