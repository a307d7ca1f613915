using static Init.Interop.Consts;

namespace Init.Interop;

// Clocks and sleeping.
public static unsafe partial class Sys
{
    /// <summary>Wall-clock time as (seconds, nanoseconds) since the Unix epoch.</summary>
    public static (long Seconds, long Nanoseconds) RealTime()
    {
        // clock_gettime cannot fail for CLOCK_REALTIME with a valid pointer.
        Timespec ts;
        Libc.clock_gettime(CLOCK_REALTIME, &ts);
        return (ts.Seconds, ts.Nanoseconds);
    }

    /// <summary>Monotonic milliseconds, for timers and durations.</summary>
    public static long MonotonicMs()
    {
        // Nor for CLOCK_MONOTONIC, which every Linux has.
        Timespec ts;
        Libc.clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.Seconds * 1000 + ts.Nanoseconds / 1_000_000;
    }

    /// <summary>Sleeps the whole <paramref name="milliseconds"/>, resuming after signals (a client's wait, never an event loop's).</summary>
    public static void SleepMs(long milliseconds)
    {
        Timespec request = new() { Seconds = milliseconds / 1000, Nanoseconds = milliseconds % 1000 * 1_000_000 };
        Timespec remaining;
        while (Libc.nanosleep(&request, &remaining) != 0 && LastError == EINTR) request = remaining;
    }
}
