using Init.Interop;
using Init.Runtime;
using Init.Supervision;
using static Init.Interop.Consts;

namespace Init.Applets.Sv;

/// <summary>
/// <c>sv log SERVICE [-n N]</c>, Init's word beside runit's: the last N lines (10 by default) that
/// a service without <c>log/</c> printed, from the engine's in-memory ring (the engine's default
/// logger, <see cref="DefaultLog"/>): what it said before it crashed. Exit 0; 1 when no ring
/// answers (a service with log/, whose lines are in its logger's files; one under runsv; no
/// supervisor running); 100 for a usage error.
/// </summary>
public static class SvLog
{
    public static int Run(string progname, string[] args, string serviceDirectory)
    {
        string? name = null;
        long count = 10;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string? number = a == "-n" && i + 1 < args.Length ? args[++i] : a.StartsWith("-n", StringComparison.Ordinal) && a.Length > 2 ? a[2..] : null;
            if (number is not null)
            {
                if (number.Length == 0 || !number.All(char.IsAsciiDigit) || !long.TryParse(number, out count)) return Usage(progname);
            }
            else if (name is null && !a.StartsWith('-')) name = a;
            else return Usage(progname);
        }
        if (name is null) return Usage(progname);
        string path = name.StartsWith('/') || name.StartsWith('.') ? name : Path.Combine(serviceDirectory, name);
        if (Sys.Stat(path, out var st) < 0 || !st.IsDirectory)
        {
            Output.Err($"fail: {name}: unable to change to service directory: {ErrorText.Of(Sys.Errno == 0 ? ENOTDIR : Sys.Errno)}\n");
            return 1;
        }
        if (Sys.Stat(Path.Combine(path, "log"), out var log) == 0 && log.IsDirectory)
        {
            Output.Err($"fail: {name}: it has log/: its lines are in its logger's files, not kept by the engine\n");
            return 1;
        }
        string socket = Path.Combine(ServiceInstance.SuperviseOf(path), DefaultLog.SocketFile);
        int fd = ConnectThroughDirectory(socket);
        if (fd < 0)
        {
            Output.Err($"fail: {name}: no lines kept: no engine's default logger answers on supervise/{DefaultLog.SocketFile} ({ErrorText.Of(Sys.Errno)})\n");
            return 1;
        }
        var text = new MemoryStream();
        var buffer = new byte[64 * 1024];
        for (int n; (n = Sys.Read(fd, buffer)) > 0;) text.Write(buffer, 0, n);
        Sys.Close(fd);
        var lines = text.ToArray().AsSpan();
        // The last `count` lines: from the start of the line `count` newlines before the end.
        int start = lines.Length;
        for (long seen = 0; start > 0 && seen <= count; start--)
            if (lines[start - 1] == (byte)'\n' && ++seen > count) break;
        Output.Out(System.Text.Encoding.UTF8.GetString(lines[start..]));
        return 0;
    }

    /// <summary>A socket's path may be longer than its address allows: then it is reached through the directory's descriptor.</summary>
    private static int ConnectThroughDirectory(string socket)
    {
        if (Sys.UnixAddress(socket) is not null) return Sys.ConnectUnix(socket);
        int dir = Sys.Open(Path.GetDirectoryName(socket)!, O_RDONLY | O_DIRECTORY);
        if (dir < 0) return -1;
        int fd = Sys.ConnectUnix($"/proc/self/fd/{dir}/{Path.GetFileName(socket)}");
        Sys.Close(dir);   // a successful close leaves Errno as the connect set it
        return fd;
    }

    private static int Usage(string progname)
    {
        Output.Err($"usage: {progname} log SERVICE [-n LINES]\n");
        return 100;
    }
}
