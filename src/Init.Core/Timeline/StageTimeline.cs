using System.Text;
using Init.Supervision;

namespace Init.Timeline;

/// <summary>
/// PID 1's part of the boot timeline, <c>$INIT_TIMELINE/stages</c> (/run/init/timeline/stages),
/// beside the services' files (<see cref="ServiceTimeline"/>), on the same clock: when PID 1 started
/// (the end of the kernel's part of the boot), when stage 2 started the services, and when stage 3
/// began. One field a line, as the services' files.
/// </summary>
/// <param name="Mode"><c>system</c> (booted by a kernel: times count from its start) or <c>container</c> (from the container's PID 1).</param>
public sealed record StageTimeline(string Mode, long? InitMs, long? Stage2Ms, long? Stage3Ms)
{
    public const string File = "stages";

    public string Format()
    {
        var text = new StringBuilder($"mode {Mode}\n");
        if (InitMs is { } init) text.Append($"init {ServiceTimeline.Seconds(init)}\n");
        if (Stage2Ms is { } stage2) text.Append($"stage2 {ServiceTimeline.Seconds(stage2)}\n");
        if (Stage3Ms is { } stage3) text.Append($"stage3 {ServiceTimeline.Seconds(stage3)}\n");
        return text.ToString();
    }

    /// <summary>As <see cref="ServiceTimeline.Parse"/>: bad lines named in <paramref name="problems"/> and left out.</summary>
    public static StageTimeline Parse(string text, List<string> problems)
    {
        var stages = new StageTimeline("system", null, null, null);
        foreach (var (number, name, value) in Runtime.FieldLines.Of(text))
        {
            if (name == "mode")
            {
                if (value is "system" or "container") stages = stages with { Mode = value };
                else problems.Add($"line {number}: mode: not system or container: \"{Runtime.Printable.Of(value, 30, asciiOnly: true, more: "...")}\"");
                continue;
            }
            if (name is not ("init" or "stage2" or "stage3")) continue;
            if (ServiceTimeline.ParseSeconds(value) is not { } ms)
            {
                problems.Add($"line {number}: {name}: not seconds: \"{Runtime.Printable.Of(value, 30, asciiOnly: true, more: "...")}\"");
                continue;
            }
            stages = name switch
            {
                "init" => stages with { InitMs = ms },
                "stage2" => stages with { Stage2Ms = ms },
                _ => stages with { Stage3Ms = ms },
            };
        }
        return stages;
    }
}
