using System.Text;
using Init.Interop;

namespace Init.Runtime;

/// <summary>
/// The one writer for messages and tool output: plain write(2) on fd 1 or 2. Never
/// System.Console, whose terminal set-up installs the runtime's SIGCHLD reaper.
/// </summary>
public static class Output
{
    public static void Write(int fd, string text)
    {
        if (text.Length == 0) return;
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        Span<byte> buffer = max <= 1024 ? stackalloc byte[1024] : new byte[max];
        int n = Encoding.UTF8.GetBytes(text, buffer);
        Sys.WriteAll(fd, buffer[..n]);
    }

    public static void Out(string text) => Write(1, text);
    public static void Err(string text) => Write(2, text);
}

/// <summary>
/// Diagnostics in the shape runit's tools print them: "<c>runsv web: fatal: unable to lock
/// supervise/lock: temporary failure</c>". The prefix is the tool name, plus the object it works on.
/// </summary>
public sealed class Diagnostics(string prefix)
{
    public string Prefix { get; } = prefix;

    public void Warn(string message) => Output.Err($"{Prefix}: warning: {message}\n");
    /// <summary>A warning about a failed call; errno 0 (none to name) prints the message alone.</summary>
    public void Warn(string message, int errno) => Output.Err(errno == 0 ? $"{Prefix}: warning: {message}\n" : $"{Prefix}: warning: {message}: {Text(errno)}\n");
    public void Info(string message) => Output.Err($"{Prefix}: info: {message}\n");
    public void Fatal(string message) => Output.Err($"{Prefix}: fatal: {message}\n");
    public void Fatal(string message, int errno) => Output.Err($"{Prefix}: fatal: {message}: {Text(errno)}\n");

    /// <summary>runit's error text; out of descriptors, also the limit and what to do about it (EMFILE alone says neither).</summary>
    public static string Text(int errno) => errno == Consts.EMFILE
        ? $"{ErrorText.Of(errno)} (the limit is {FdLimit.Current} open files; raise it with ulimit -n)"
        : ErrorText.Of(errno);
}
