using System.Text;
using System.Text.Unicode;
using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Supervision;

/// <summary>
/// One socket a <c>listen</c> file declares: its kind, its address as written (for messages), the
/// name ./run sees in <c>LISTEN_FDNAMES</c>, and the socket address the kernel binds.
/// </summary>
public sealed record ListenDeclaration(bool Stream, string Address, string Name, byte[] SocketAddress)
{
    /// <summary>systemd's name for a descriptor nobody named (sd_listen_fds_with_names).</summary>
    public const string DefaultName = "unknown";

    /// <summary>A unix socket's file, or null (an IP socket, or a name in the abstract namespace).</summary>
    public string? FilePath => Address.StartsWith('/') ? Address : null;

    /// <summary>As a line of the file says it, without the name: "stream 127.0.0.1:8080".</summary>
    public override string ToString() => (Stream ? "stream " : "datagram ") + Address;

    /// <summary>The same socket: kind and bound address (two spellings of one address are one socket).</summary>
    public bool SameSocket(ListenDeclaration other) => Stream == other.Stream && SocketAddress.AsSpan().SequenceEqual(other.SocketAddress);
}

/// <summary>
/// Init's <c>listen</c> file: the listen sockets the supervisor binds and holds for ./run (systemd's
/// socket activation, fds from 3 in the order of the lines). One socket a line, <c>KIND ADDRESS [NAME]</c>:
/// <c>stream 127.0.0.1:8080 http</c>, <c>stream [::]:8080</c>, <c>datagram 0.0.0.0:5353</c>,
/// <c>stream /run/app.sock</c>, <c>stream @app</c> (abstract); blank lines and <c>#</c> comments skipped.
/// A bad line is reported with its number and left out; the others still count.
/// </summary>
public static class ListenFile
{
    public const string Name = "listen";

    /// <summary>Bounds: the file's size, and how many sockets one service may hold.</summary>
    public const int MaxBytes = 4096, MaxSockets = 64;

    private const int MaxNameLength = 255;

    /// <summary>
    /// The declarations of <paramref name="directory"/>'s <c>listen</c> file; empty without one (or
    /// when it is unusable, reported). Throws <see cref="SupervisorError"/> when descriptors or memory run out.
    /// </summary>
    public static List<ListenDeclaration> Read(string directory, Action<string> warn)
    {
        int dir = ServicePolicy.OpenDirectory(directory);
        if (dir < 0) return [];
        try { return ServicePolicy.ReadAll(dir, Name, MaxBytes, warn) is { } bytes ? Parse(bytes, warn) : []; }
        finally { Sys.Close(dir); }
    }

    public static List<ListenDeclaration> Parse(ReadOnlySpan<byte> bytes, Action<string> warn)
    {
        var declared = new List<ListenDeclaration>();
        if (bytes.IndexOf((byte)0) >= 0 || !Utf8.IsValid(bytes)) { warn($"{Name}: not text: ignored"); return declared; }
        string[] lines = Encoding.UTF8.GetString(bytes).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim(' ', '\t', '\r');
            if (line.Length == 0 || line.StartsWith('#')) continue;
            void Bad(string what) => warn($"{Name}: line {i + 1}: {what}: ignored");
            if (ParseLine(line, Bad) is not { } declaration) continue;
            if (declared.FirstOrDefault(d => d.SameSocket(declaration)) is { } earlier) { Bad($"{declaration} declared twice (as {earlier.Address} before)"); continue; }
            if (declared.Count == MaxSockets) { Bad($"more than {MaxSockets} sockets"); continue; }
            declared.Add(declaration);
        }
        return declared;
    }

    private static ListenDeclaration? ParseLine(string line, Action<string> bad)
    {
        string[] fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length > 3) { bad($"not KIND ADDRESS [NAME]: \"{ServicePolicy.Shown(line)}\""); return null; }
        bool stream = fields[0] == "stream";
        if (!stream && fields[0] != "datagram") { bad($"not stream or datagram: \"{ServicePolicy.Shown(fields[0])}\""); return null; }
        if (fields.Length < 2) { bad($"no address after {fields[0]}"); return null; }
        if (SocketAddressOf(fields[1]) is not { } address)
        {
            bad($"not IPV4:PORT, [IPV6]:PORT, /PATH or @NAME: \"{ServicePolicy.Shown(fields[1])}\"");
            return null;
        }
        string name = fields.Length == 3 ? fields[2] : ListenDeclaration.DefaultName;
        if (!ValidName(name))
        {
            bad($"not a name for LISTEN_FDNAMES (printable ASCII, no ':', at most {MaxNameLength}): \"{ServicePolicy.Shown(name)}\"");
            return null;
        }
        return new ListenDeclaration(stream, fields[1], name, address);
    }

    /// <summary>systemd's rule for a descriptor name (fdname_is_valid): ASCII without control characters or ':'.</summary>
    private static bool ValidName(string name) => name.Length is > 0 and <= MaxNameLength && name.All(c => c is > ' ' and < '\x7f' and not ':');

    /// <summary>The kernel's socket address for <c>1.2.3.4:80</c>, <c>[::1]:80</c>, <c>/path</c> or <c>@name</c>; null when it is none.</summary>
    public static byte[]? SocketAddressOf(string text)
    {
        if (text.StartsWith('/') || (text.StartsWith('@') && text.Length > 1)) return Sys.UnixAddress(text);
        int colon = text.LastIndexOf(':');
        if (colon < 0 || ParsePort(text.AsSpan(colon + 1)) is not { } port) return null;
        var host = text.AsSpan(0, colon);
        if (host.StartsWith("[") && host.EndsWith("]"))
            return IpAddress.ParseV6(host[1..^1]) is { } v6 ? Sys.Inet6Address(v6, port) : null;
        return IpAddress.ParseV4(host) is { } v4 ? Sys.Inet4Address(v4, port) : null;
    }

    /// <summary>1 to 65535, decimal digits only: port 0 (any free one) would change at every start of the supervisor.</summary>
    private static ushort? ParsePort(ReadOnlySpan<char> text) => Digits.Strict(text, 5, 65535) is >= 1 and var port ? (ushort)port : null;
}
