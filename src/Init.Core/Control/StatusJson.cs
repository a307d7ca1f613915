using System.Text.Json;
using System.Text.Json.Serialization;

namespace Init.Control;

/// <summary>
/// <c>sv status --json</c>: every service as a <see cref="ServiceReport"/>, in a document whose
/// <c>version</c> changes when a field changes meaning or goes (new fields may appear within a
/// version). Field names are snake_case; an unknown value is null. Written by System.Text.Json's
/// source generator (no reflection: NativeAOT).
/// </summary>
public static class StatusJson
{
    public const int Version = 1;

    public static string Render(IEnumerable<ServiceReport> services) =>
        JsonSerializer.Serialize(new StatusDocument(Version, [.. services]), StatusJsonContext.Default.StatusDocument) + "\n";
}

public sealed record StatusDocument(int Version, ServiceReport[] Services);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(StatusDocument))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
