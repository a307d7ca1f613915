using System.Diagnostics;

namespace Init.Bench;

/// <summary>Memory and process facts read from /proc.</summary>
public static class Measure
{
    /// <summary>Resident set size in KiB (VmRSS).</summary>
    public static long RssKb(int pid) => StatusField(pid, "VmRSS");

    public static long Threads(int pid) => StatusField(pid, "Threads");

    /// <summary>
    /// Where the resident pages are, in KiB: mapped from files (the executable, libc), in malloc's
    /// brk heap, and in other anonymous mappings (the GC's regions, thread stacks, malloc's mmaps).
    /// What grows tells a leak of managed objects from native allocations from code paged in.
    /// </summary>
    public static (long File, long MallocHeap, long OtherAnon) RssParts(int pid)
    {
        long file = 0, heap = 0, anon = 0;
        string? mapping = null;
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            if (line.Length > 0 && char.IsAsciiHexDigit(line[0]) && line.Contains('-')) { mapping = line; continue; }
            if (!line.StartsWith("Rss:") || mapping is null) continue;
            long kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
            string[] fields = mapping.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            string path = fields.Length > 5 ? fields[5].Trim() : "";
            if (path == "[heap]") heap += kb;
            else if (path.StartsWith('/')) file += kb;
            else anon += kb;
        }
        return (file, heap, anon);
    }

    /// <summary>Unique set size in KiB: Private_Clean + Private_Dirty from smaps_rollup.</summary>
    public static long UssKb(int pid)
    {
        long total = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
            if (line.StartsWith("Private_Clean:") || line.StartsWith("Private_Dirty:"))
                total += long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        return total;
    }

    private static long StatusField(int pid, string name)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith(name + ":"))
                return long.Parse(line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries)[1]);
        return -1;
    }

    /// <summary>
    /// Time on a CPU in ns, from /proc/PID/schedstat: exact, where utime and stime are sampled at
    /// each 10 ms tick (which missed runit's short bursts in 20 processes almost entirely).
    /// </summary>
    public static long CpuNs(int pid)
    {
        try { return long.Parse(File.ReadAllText($"/proc/{pid}/schedstat").Split(' ')[0]); }
        catch (IOException) { return 0; }
    }

    public static bool Until(Func<bool> condition, int timeoutMs)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            try { if (condition()) return true; } catch (IOException) { }
            Thread.Sleep(20);
        }
        return false;
    }

    public static string Ratio(double ours, double theirs) => theirs == 0 ? "n/a" : $"{ours / theirs:0.00}x";
}
