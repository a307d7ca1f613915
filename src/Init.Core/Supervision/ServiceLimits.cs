using System.Text;
using Init.Interop;
using static Init.Interop.Consts;

namespace Init.Supervision;

/// <summary>
/// A service's <c>limits/</c>: one file per cgroup v2 limit, named as the cgroup's own file
/// (<c>limits/memory.max</c> holds what is written to <c>memory.max</c>). Read at each start of
/// ./run and written into its cgroup before ./run starts; a file Init does not know, or a value
/// the kernel would refuse, is an error and the service does not start. A limit whose file is
/// removed goes back to the kernel's default at the next start.
/// </summary>
public static class ServiceLimits
{
    public const string Directory = "limits";

    /// <summary>The limits Init writes, each with the kernel's default (what a removed file restores) and the values it takes.</summary>
    private static readonly (string Name, string Default, Func<string, bool> Valid, string Rule)[] Known =
    [
        ("memory.max", "max", IsMemory, "max, or bytes with an optional K, M, G or T"),
        ("memory.high", "max", IsMemory, "max, or bytes with an optional K, M, G or T"),
        ("memory.low", "0", IsMemory, "bytes with an optional K, M, G or T"),
        ("memory.min", "0", IsMemory, "bytes with an optional K, M, G or T"),
        ("memory.swap.max", "max", IsMemory, "max, or bytes with an optional K, M, G or T"),
        ("pids.max", "max", v => v == "max" || IsCount(v, 1, long.MaxValue), "max, or a number of processes from 1"),
        ("cpu.max", "max 100000", IsCpuMax, "QUOTA [PERIOD] in microseconds (QUOTA may be max)"),
        ("cpu.weight", "100", v => IsCount(v, 1, 10000), "a weight from 1 to 10000"),
        ("io.weight", "default 100", v => IsCount(v, 1, 10000) || (v.StartsWith("default ", StringComparison.Ordinal) && IsCount(v[8..], 1, 10000)), "a weight from 1 to 10000"),
    ];

    /// <summary>Every limit Init writes with the kernel's default: what a service whose <c>limits/</c> went away gets back.</summary>
    public static IEnumerable<(string File, string Value)> Defaults => Known.Select(k => (k.Name, k.Default));

    public static string DefaultOf(string file) => Known.FirstOrDefault(k => k.Name == file).Default ?? "";

    /// <summary>The controller a limit file belongs to: the part of its name before the first dot.</summary>
    public static string ControllerOf(string file) => file[..file.IndexOf('.')];

    /// <summary>
    /// The values to write: each known limit, from its file or its default. Errors name the file
    /// and what it should hold; with any, the caller must not start the service.
    /// </summary>
    public static List<(string File, string Value)> Read(string serviceDirectory, List<string> errors)
    {
        var limits = new List<(string, string)>();
        string directory = Path.Combine(serviceDirectory, Directory);
        int dir = Sys.Open(directory, O_RDONLY | O_DIRECTORY);
        if (dir < 0)
        {
            if (Sys.Errno is not (ENOENT or ENOTDIR)) errors.Add($"unable to open {Directory}/: {ErrorText.Of(Sys.Errno)}");
            return limits;
        }
        Sys.Close(dir);
        IEnumerable<string> names;
        try { names = System.IO.Directory.EnumerateFiles(directory).Select(Path.GetFileName).OfType<string>().Where(n => n.Length > 0 && n[0] != '.').ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { errors.Add($"unable to read {Directory}/"); return limits; }
        foreach (var name in names.Order(StringComparer.Ordinal))
            if (!Known.Any(k => k.Name == name))
                errors.Add($"{Directory}/{Runtime.Printable.Of(name, 60)}: not a limit Init sets (it sets {string.Join(", ", Known.Select(k => k.Name))})");
        Span<byte> buffer = stackalloc byte[128];
        foreach (var (name, fallback, valid, rule) in Known)
        {
            if (!names.Contains(name)) { limits.Add((name, fallback)); continue; }
            int n = Sys.ReadFile(Path.Combine(directory, name), buffer);
            if (n < 0) { errors.Add($"unable to read {Directory}/{name}: {ErrorText.Of(Sys.Errno)}"); continue; }
            string value = Encoding.UTF8.GetString(buffer[..n]).Split('\n')[0].Trim();
            if (!valid(value)) { errors.Add($"{Directory}/{name}: not {rule}: \"{Runtime.Printable.Of(value, 40)}\""); continue; }
            limits.Add((name, value));
        }
        return limits;
    }

    /// <summary>Whether the service has a <c>limits/</c> directory at all (only then are defaults written back).</summary>
    public static bool Has(string serviceDirectory) =>
        Sys.Stat(Path.Combine(serviceDirectory, Directory), out var st) == 0 && st.IsDirectory;

    private static bool IsMemory(string value)
    {
        if (value == "max") return true;
        if (value.Length == 0) return false;
        string digits = "KMGTkmgt".Contains(value[^1]) ? value[..^1] : value;
        return IsCount(digits, 0, long.MaxValue >> 40);
    }

    private static bool IsCpuMax(string value) => value.Split(' ', StringSplitOptions.RemoveEmptyEntries) switch
    {
        [var quota] => quota == "max" || IsCount(quota, 1000, long.MaxValue),
        [var quota, var period] => (quota == "max" || IsCount(quota, 1000, long.MaxValue)) && IsCount(period, 1000, 1_000_000),
        _ => false,
    };

    private static bool IsCount(string text, long min, long max) =>
        text.Length is > 0 and <= 19 && text.All(char.IsAsciiDigit) && long.TryParse(text, out long v) && v >= min && v <= max;
}
