namespace Init.Logging;

/// <summary>svlogd's command-line settings (runit's defaults).</summary>
public sealed class SvlogdOptions
{
    /// <summary>0 none, 1 TAI64N (-t), 2 readable UTC (-tt), 3 ISO 8601 (-ttt).</summary>
    public int Timestamp { get; set; }
    /// <summary>-r: the replacement for non-printable characters; 0 = no replacing.</summary>
    public byte Replacement { get; set; }
    /// <summary>-R: further characters to replace.</summary>
    public byte[] AlsoReplace { get; set; } = [];
    /// <summary>-l: how much of a line matching, stderr and UDP see.</summary>
    public ulong LineMax { get; set; } = 1000;
    /// <summary>-b: runit's buffer size; ours reads at least 64 KiB at a time.</summary>
    public ulong BufferLength { get; set; } = 1024;
    public bool Verbose { get; set; }
}
