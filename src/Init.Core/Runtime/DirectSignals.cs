using System.Runtime.CompilerServices;
using Init.Interop;

namespace Init.Runtime;

/// <summary>
/// Signals read straight from a signalfd on the loop's thread, as tini's sigtimedwait takes them:
/// no runtime handler, no signal thread, no self-pipe between the kernel and the loop. That needs
/// every thread to block them (a signal not blocked somewhere is delivered there), and the runtime's
/// finalizer thread exists before Main: its mask is set by a finalizer, which costs a collection
/// (about 0.3 ms). So the set is blocked in this thread at once, before the first
/// PosixSignalRegistration (whose signal thread inherits the mask), and the signalfd is taken only
/// <see cref="SettleMs"/> later, off the start-up path. Until then the finalizer thread is the one
/// thread that does not block them, and each is delivered there as before: to the runtime's handler
/// for those registered with <see cref="EventLoop.OnSignal"/>, by its disposition for the rest.
/// <para>
/// SIGCHLD may be in the set (it is never registered: the runtime would reap our children): blocked
/// and read here, it reaches nobody's handler, and tells the loop at once that a child has exited.
/// </para>
/// <para>
/// A fault (SEGV, BUS, …) may be in the set when it is also ignored: a real one is forced on the
/// faulting thread and the kernel, finding it blocked or ignored, puts the default action back, so
/// it still ends the process with its core dump; only a sent one reaches the signalfd. The runtime
/// then no longer turns a null dereference into an exception: the process crashes on one.
/// </para>
/// </summary>
public sealed class DirectSignals : IDisposable
{
    /// <summary>How long after start the signalfd is taken.</summary>
    public const long SettleMs = 50;

    private readonly ulong _bits;
    private int _fd = -1;

    private DirectSignals(ulong bits) => _bits = bits;

    /// <summary>
    /// Ignores <paramref name="ignored"/> and blocks <paramref name="set"/> in this thread; call before
    /// any <see cref="EventLoop.OnSignal"/>.
    /// </summary>
    public static DirectSignals Block(SignalSet set, SignalSet ignored)
    {
        for (int s = 1; s <= 64; s++)
            if (ignored.Contains(s)) Sys.SetSignalIgnored(s);
        Sys.ChangeSignalMask(set.Bits, block: true);
        return new DirectSignals(set.Bits);
    }

    /// <summary>
    /// After <see cref="SettleMs"/>, reads the set from a signalfd on <paramref name="loop"/>, passes
    /// each signal to <paramref name="received"/> and says so through <paramref name="reading"/>; or,
    /// when some thread still does not block them, unblocks them here and says why through
    /// <paramref name="cannot"/> (then they stay where they were).
    /// </summary>
    public void Watch(EventLoop loop, Action<int> received, Action reading, Action<string> cannot) => loop.After(SettleMs, () =>
    {
        BlockOnFinalizerThread();
        string? why = !EveryThreadBlocks(_bits) ? "a thread of the runtime does not block them"
            : (_fd = Sys.SignalFd(_bits)) < 0 ? "signalfd: " + Sys.StrError(Sys.Errno) : null;
        if (why is not null)
        {
            Sys.ChangeSignalMask(_bits, block: false);
            cannot(why);
            return;
        }
        loop.Watch(_fd, () =>
        {
            Span<byte> info = stackalloc byte[Sys.SignalFdInfoSize];
            while (Sys.Read(_fd, info) == Sys.SignalFdInfoSize)
                received((int)BitConverter.ToUInt32(info));   // ssi_signo
        });
        reading();
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
    private void BlockOnFinalizerThread()
    {
        Abandon(_bits);
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        GC.WaitForPendingFinalizers();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Abandon(ulong bits) => _ = new FinalizerThreadMask(bits);

    private sealed class FinalizerThreadMask(ulong bits)
    {
        ~FinalizerThreadMask() => Sys.ChangeSignalMask(bits, block: true);
    }
}
