using Init.Interop;
using Init.Runtime;

namespace Init.Logging;

/// <summary>svlogd's messages on stderr, in runit's words: "svlogd: pausing: …", "svlogd: warning: …", "svlogd: info: …".</summary>
public sealed class LogReporter(bool verbose)
{
    public bool Verbose { get; } = verbose;

    public void Pause(string what, string dir, int errno) => Output.Err($"svlogd: pausing: {what}: {dir}: {Diagnostics.Text(errno)}\n");
    public void Warn(string what, string subject, int errno) => Output.Err($"svlogd: warning: {what}: {subject}: {Diagnostics.Text(errno)}\n");
    public void WarnX(string what, string subject) => Output.Err($"svlogd: warning: {what}: {subject}\n");
    public void Info(string text) { if (Verbose) Output.Err($"svlogd: info: {text}\n"); }
}
