namespace Init.Bench;

/// <summary>
/// Side-by-side benchmarks: each runs runit's (or tini's) binaries and ours in one run and prints
/// ratios. Usage: <c>Bench [NAME] BINDIR</c>; without a name every benchmark runs.
/// </summary>
public static class Program
{
    private static readonly Dictionary<string, Action<string>> Benchmarks = new()
    {
        ["runsv-memory"] = RunsvMemoryBench.Run,
        ["engine"] = EngineBench.Run,
        ["sv-status"] = SvStatusBench.Run,
        ["boot"] = BootBench.Run,
        ["svlogd"] = SvlogdBench.Run,
        ["container"] = ContainerBench.Run,
    };

    /// <summary>Run only when named: ten minutes long.</summary>
    private static readonly Dictionary<string, Action<string>> OnRequest = new()
    {
        ["soak"] = SoakBench.Run,
    };

    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine($"usage: Bench [{string.Join('|', Benchmarks.Keys.Concat(OnRequest.Keys))}] BINDIR");
            return 100;
        }
        string bin = Path.GetFullPath(args[^1]);
        var selected = args.Length > 1 ? args[..^1] : Benchmarks.Keys.ToArray();
        foreach (var name in selected)
        {
            if (!Benchmarks.TryGetValue(name, out var bench) && !OnRequest.TryGetValue(name, out bench)) { Console.Error.WriteLine($"unknown benchmark {name}"); return 100; }
            Console.WriteLine($"== {name}");
            bench(bin);
        }
        return 0;
    }
}
