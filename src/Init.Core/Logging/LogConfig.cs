using System.Text;
using Init.Runtime;

namespace Init.Logging;

/// <summary>One <c>+ - e E</c> pattern line of a log directory's config.</summary>
public readonly record struct LogPattern(char Kind, byte[] Pattern);

/// <summary>
/// A log directory's <c>config</c>, with runit's defaults (s1000000, n10, N10, no timeout).
/// Parsing follows svlogd.c line by line, including its leniencies (numbers read as far as they
/// go, unknown lines ignored) so every config that works with runit works here.
/// </summary>
public sealed class LogConfig
{
    public ulong SizeMax { get; set; } = 1_000_000;
    public ulong NumMax { get; set; } = 10;
    public ulong NumMin { get; set; } = 10;
    /// <summary>Rotation timeout in seconds; 0 = none.</summary>
    public ulong Timeout { get; set; }
    public string? Processor { get; set; }
    public byte[] Prefix { get; set; } = [];
    public byte[]? UdpAddressBytes { get; set; }
    public ushort UdpPort { get; set; }
    public bool UdpOnly { get; set; }
    public List<LogPattern> Patterns { get; } = [];
    /// <summary>Messages for lines that could not be used ("unable to scan ip address: …").</summary>
    public List<string> Warnings { get; } = [];

    public static LogConfig Parse(ReadOnlySpan<byte> text)
    {
        var c = new LogConfig();
        // runit stops at sa.len - 1: the config's last byte never starts a line.
        int i = 0;
        while (i + 1 < text.Length)
        {
            int nl = text[i..].IndexOf((byte)'\n');
            int len = nl < 0 ? text.Length - i : nl;
            var line = text.Slice(i, len);
            // In C the line is NUL-terminated: anything after an embedded NUL is invisible.
            int nul = line.IndexOf((byte)0);
            var z = nul < 0 ? line : line[..nul];
            c.Apply(z, len);
            i += len + 1;
        }
        return c;
    }

    private void Apply(ReadOnlySpan<byte> line, int rawLength)
    {
        if (line.IsEmpty) return;
        var arg = line[1..];
        switch ((char)line[0])
        {
            case '+': case '-': case 'e': case 'E':
                Patterns.Add(new LogPattern((char)line[0], arg.ToArray()));
                break;
            case 's':
                {
                    int n = Digits.Scan(arg, out ulong v);
                    if (n < arg.Length && arg[n] == 'm') v *= 1024 * 1024;
                    else if (n < arg.Length && arg[n] == 'k') v *= 1024;
                    SizeMax = v;
                    break;
                }
            case 'n': Digits.Scan(arg, out ulong nmax); NumMax = nmax; break;
            case 'N': Digits.Scan(arg, out ulong nmin); NumMin = nmin; break;
            case 't':
                {
                    int n = Digits.Scan(arg, out ulong v);
                    if (n < arg.Length && arg[n] == 'h') v *= 3600;
                    else if (n < arg.Length && arg[n] == 'm') v *= 60;
                    Timeout = v;
                    break;
                }
            case '!':
                if (rawLength > 1) Processor = Encoding.UTF8.GetString(arg);
                break;
            case 'U':
            case 'u':
                ParseUdp(arg, line[0] == 'U');
                break;
            case 'p':
                if (rawLength > 1) Prefix = arg.ToArray();
                break;
        }
    }

    private void ParseUdp(ReadOnlySpan<byte> arg, bool only)
    {
        if (only) UdpOnly = true;   // runit sets it before scanning, even when the address is bad
        var ip = new byte[4];
        int at = 0;
        for (int k = 0; k < 4; k++)
        {
            if (k > 0)
            {
                if (at >= arg.Length || arg[at] != '.') { Warnings.Add("unable to scan ip address: " + Encoding.UTF8.GetString(arg)); return; }
                at++;
            }
            int n = Digits.Scan(arg[at..], out ulong v);
            if (n == 0) { Warnings.Add("unable to scan ip address: " + Encoding.UTF8.GetString(arg)); return; }
            ip[k] = (byte)v;
            at += n;
        }
        ulong port = 514;
        if (at < arg.Length && arg[at] == ':')
        {
            Digits.Scan(arg[(at + 1)..], out port);
            if (port == 0) { Warnings.Add("unable to scan port number: " + Encoding.UTF8.GetString(arg[(at + 1)..])); return; }
        }
        UdpAddressBytes = ip;
        UdpPort = (ushort)port;
    }
}
