using Init.Interop;
using Init.Runtime;

namespace Init.Boot;

/// <summary>
/// Short timestamped console lines from PID 1: <c>init: [   3.142] stage 2: runsvdir started</c>.
/// The stamp is CLOCK_MONOTONIC, which at boot is seconds since the kernel started, like dmesg.
/// </summary>
public sealed class BootLog(string name = "init")
{
    public string Name { get; } = name;

    public void Line(string message)
    {
        long ms = Sys.MonotonicMs();
        Output.Err($"{Name}: [{ms / 1000,5}.{ms % 1000:D3}] {message}\n");
    }

    public void Warn(string message) => Line("warning: " + message);
}
