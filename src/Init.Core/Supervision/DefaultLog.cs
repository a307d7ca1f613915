using Init.Logging;

namespace Init.Supervision;

/// <summary>
/// The engine's logger for services without <c>log/</c>: their ./run's stdout and stderr reach the
/// engine's stdout as <c>NAME: line</c>, and the last <see cref="RingBytes"/> of lines stay in
/// memory for <c>sv log</c>. INIT_LOGRING: bytes kept per service (default 65536; 0: none kept,
/// lines still prefixed; <c>off</c>: no default logger, services inherit the engine's output as under runit).
/// </summary>
public sealed record DefaultLog(PrefixedOutput Output, int RingBytes)
{
    public const string Variable = "INIT_LOGRING";
    public const int DefaultRingBytes = 64 * 1024, MaxRingBytes = 64 * 1024 * 1024;

    /// <summary>The socket in supervise/ that <c>sv log</c> reads the ring from.</summary>
    public const string SocketFile = "log.sock";

    /// <summary>The setting as read from the environment: null for off; a bad value is said and the default used.</summary>
    public static int? RingBytesSetting(Action<string> warn)
    {
        string? text = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(text)) return DefaultRingBytes;
        if (text == "off") return null;
        if (int.TryParse(text, out int bytes) && bytes is >= 0 and <= MaxRingBytes && text.All(char.IsAsciiDigit)) return bytes;
        warn($"{Variable}: not off or a number of bytes up to {MaxRingBytes}: \"{Runtime.Printable.Of(text, 40)}\": {DefaultRingBytes} kept");
        return DefaultRingBytes;
    }
}
