using Init.Supervision;

namespace Init.Timeline;

/// <summary>One service as <c>init analyze</c> sees it: its timeline (empty when none was recorded) and whether the boot waits for it.</summary>
/// <param name="NormallyUp">Started at boot (no <c>down</c> file): the boot is finished once every such service is ready.</param>
/// <param name="Recorded">A timeline file of this boot was read for it.</param>
public sealed record ServiceEntry(string Name, ServiceTimeline Times, bool NormallyUp = true, bool Recorded = true)
{
    /// <summary>From its start to its readiness (blame's figure).</summary>
    public long? TookMs => Times.ReadyMs - Times.StartMs;
    /// <summary>From its first wait for its dependencies to its start.</summary>
    public long? WaitedMs => Times.StartMs - Times.WaitingMs;
}

/// <summary>
/// The boot as the timeline files tell it: when it finished (every normally-up service ready), the
/// services by how long they took to become ready (systemd-analyze's blame), and the critical
/// chain: from the service that was ready last, back through the dependency that was ready last
/// before each start, to stage 2 (systemd-analyze's critical-chain). Pure: the files are read
/// elsewhere (<see cref="TimelineReader"/>), so every rule here is tested on made-up boots.
/// </summary>
public sealed class BootAnalysis(StageTimeline? stages, IReadOnlyList<ServiceEntry> services)
{
    public StageTimeline? Stages { get; } = stages;
    public IReadOnlyList<ServiceEntry> Services { get; } = services;
    public string? Host { get; init; }
    public string? Kernel { get; init; }

    /// <summary>
    /// Where times are counted from: the kernel's start (0) for a boot, a container's PID 1, and
    /// without PID 1's stages (a runsvdir given INIT_TIMELINE by hand) the first thing noted.
    /// </summary>
    public long OriginMs => Stages switch
    {
        { Mode: "container", InitMs: { } init } => init,
        null => Earliest(),
        _ => 0,
    };

    private long Earliest()
    {
        long? earliest = null;
        foreach (var s in Services)
            foreach (long? t in (ReadOnlySpan<long?>)[s.Times.WaitingMs, s.Times.StartMs])
                if (t < (earliest ?? long.MaxValue)) earliest = t;
        return earliest ?? 0;
    }

    /// <summary>Normally-up services that have not been ready yet (never started, or still starting).</summary>
    public IReadOnlyList<ServiceEntry> NotReady => Services.Where(s => s.NormallyUp && s.Times.ReadyMs is null).ToList();

    /// <summary>The normally-up service that was ready last; null when none was.</summary>
    public ServiceEntry? Last => ReadyLast(Services.Where(s => s.NormallyUp));

    /// <summary>When the boot finished: the last service ready, once every normally-up one is; null until then.</summary>
    public long? FinishedMs => NotReady.Count == 0 ? Last?.Times.ReadyMs : null;

    /// <summary>Slowest to become ready first; services never ready last, by name.</summary>
    public IReadOnlyList<ServiceEntry> Blame
    {
        get
        {
            var blame = Services.ToList();
            blame.Sort((a, b) => (a.TookMs, b.TookMs) switch
            {
                (null, null) => string.CompareOrdinal(a.Name, b.Name),
                (null, _) => 1,
                (_, null) => -1,
                var (x, y) => y == x ? string.CompareOrdinal(a.Name, b.Name) : y > x ? 1 : -1,
            });
            return blame;
        }
    }

    /// <summary>Of <paramref name="services"/>, the one ready last (by name among equals); null when none was ready.</summary>
    private static ServiceEntry? ReadyLast(IEnumerable<ServiceEntry> services)
    {
        ServiceEntry? last = null;
        foreach (var s in services)
            if (s.Times.ReadyMs is { } ready && (last is null || ready > last.Times.ReadyMs || (ready == last.Times.ReadyMs && string.CompareOrdinal(s.Name, last.Name) < 0)))
                last = s;
        return last;
    }

    public ServiceEntry? Find(string name) => Services.FirstOrDefault(s => s.Name == name);

    /// <summary>
    /// <paramref name="target"/> first, then what held it back: of the services its dependencies.d
    /// named that were ready by its start, the one ready last; and so on until a service that needed
    /// nothing (or whose needs were ready before anything else of it mattered). A dependency cycle
    /// in the files (a service listed twice) ends the chain.
    /// </summary>
    public IReadOnlyList<ServiceEntry> CriticalChain(ServiceEntry target)
    {
        var chain = new List<ServiceEntry> { target };
        var seen = new HashSet<string>(StringComparer.Ordinal) { target.Name };
        for (var current = target; current.Times.StartMs is { } start;)
        {
            var gate = ReadyLast(current.Times.Needs.Select(Find).OfType<ServiceEntry>().Where(d => d.Times.ReadyMs <= start));
            if (gate is null || !seen.Add(gate.Name)) break;
            chain.Add(gate);
            current = gate;
        }
        return chain;
    }
}
