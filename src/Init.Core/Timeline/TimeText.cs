namespace Init.Timeline;

/// <summary>How <c>init analyze</c> writes times: spans as systemd-analyze does (512ms, 2.345s, 1min 2.345s), moments as the console's seconds.</summary>
public static class TimeText
{
    public static string Span(long ms) => ms < 0 ? "-" + Span(-ms)
        : ms < 1000 ? $"{ms}ms"
        : ms < 60_000 ? $"{ms / 1000}.{ms % 1000:D3}s"
        : $"{ms / 60_000}min {ms % 60_000 / 1000}.{ms % 1000:D3}s";

    /// <summary>"@2.301s": a moment, in seconds from the boot's origin.</summary>
    public static string At(long ms) => ms < 0 ? "@-" + At(-ms)[1..] : $"@{ms / 1000}.{ms % 1000:D3}s";
}
