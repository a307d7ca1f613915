using System.Text.Json;

namespace Init.Tests.Support;

/// <summary>
/// The rows of docs/reliability.md, written by the tests themselves once their assertions have
/// passed: each fault, bad input or attack tried, how often, what happened, what was lost or
/// doubled, and what the peer (runit, tini) did in the same test. Written only when
/// INIT_RELIABILITY_OUT names a file (the Cake target Reliability sets it and renders the table).
/// </summary>
public static class Reliability
{
    public const string Variable = "INIT_RELIABILITY_OUT";

    public sealed record Row(string Area, string Tried, string Tries, string Result, string Lost, string Doubled, string Peer, string Test);

    private static readonly object Gate = new();

    public static void Record(string area, string tried, object tries, string result, string lost = "—", string doubled = "—", string peer = "—")
    {
        if (Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 } path) return;
        var row = new Row(area, tried, Convert.ToString(tries, System.Globalization.CultureInfo.InvariantCulture) ?? "", result, lost, doubled, peer,
            TestContext.CurrentContext.Test.FullName);
        lock (Gate) File.AppendAllText(path, JsonSerializer.Serialize(row, ReliabilityJson.Default.Row) + "\n");
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Reliability.Row))]
internal sealed partial class ReliabilityJson : System.Text.Json.Serialization.JsonSerializerContext;
