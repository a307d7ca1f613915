namespace Init.Supervision;

/// <summary>
/// <c>supervise/readiness</c>, kept beside runit's files (never in <c>status</c>): "STATE PID" with
/// STATE starting, ready or stopping, then "status TEXT" (sd_notify's last STATUS=) when there is
/// one. Written by the supervisor of a service that declares readiness; read back by sv, by
/// dependants waiting for it, and by a supervisor adopting the service.
/// </summary>
public readonly record struct ReadinessRecord(Readiness State, int Pid, string? Status = null)
{
    /// <summary>The file's text; empty for <see cref="Readiness.None"/> (nothing to say).</summary>
    public string Format() => Word(State) is not { } word ? "" : $"{word} {Pid}\n" + (Status is not null ? $"status {Status}\n" : "");

    /// <summary>The state for <paramref name="pid"/>: what the file says when it is about that process, else none.</summary>
    public Readiness Of(int pid) => Pid == pid ? State : Readiness.None;

    /// <summary>Any text: a first line that is not "STATE PID" gives no state; a cut-off last line is dropped.</summary>
    public static ReadinessRecord Parse(string text)
    {
        string[] lines = text.Split('\n');
        var state = Readiness.None;
        int pid = 0;
        if (lines.Length > 1 && lines[0].Split(' ') is [var word, var number] && int.TryParse(number, System.Globalization.NumberStyles.None, null, out int p)
            && StateOf(word) is { } known)
            (state, pid) = (known, p);
        string? status = null;
        foreach (string line in lines.Skip(1).SkipLast(1))   // the last piece ends no line
            if (line.StartsWith("status ", StringComparison.Ordinal)) status = line[7..];
        return new ReadinessRecord(state, pid, status);
    }

    public static string? Word(Readiness state) => state switch
    {
        Readiness.Starting => "starting",
        Readiness.Ready => "ready",
        Readiness.Stopping => "stopping",
        _ => null,
    };

    private static Readiness? StateOf(string word) => word switch
    {
        "starting" => Readiness.Starting,
        "ready" => Readiness.Ready,
        "stopping" => Readiness.Stopping,
        _ => null,
    };
}
