using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Init.Configuration;
using Init.Tests.Support;

namespace Init.Tests.Unit;

/// <summary>
/// docs/configuration.md, the reference of every setting, is rendered from the code: the keys and
/// the values each takes from <see cref="InitSettings.All"/>, the defaults from a fresh
/// <see cref="InitOptions"/>, the meaning from each property's summary in InitOptions.cs. A setting
/// added, changed or described anew makes this test fail until `dotnet cake --target=Docs` rewrites it.
/// </summary>
public class ConfigurationDocTests
{
    private const string DocPath = "docs/configuration.md";

#pragma warning disable IL2026, IL2075   // the tests run on the JIT, never trimmed
    private static string Render()
    {
        string source = File.ReadAllText(Path.Combine(Binary.RepositoryRoot(), "src/Init.Core/Configuration/InitOptions.cs"));
        var defaults = new InitOptions();
        var text = new StringBuilder();
        text.Append("""
            # Configuration reference

            Generated from the code (`InitSettings.All`, `InitOptions`) by `dotnet cake --target=Docs`;
            a test fails when it is stale. The settings of PID 1 and of multi-service container mode,
            from the lowest precedence to the highest: the defaults (a plain system needs no file),
            `/etc/init/init.conf` (INI: `Key = value`, `#` or `;` comments; `ConfigFile` moves it),
            `INIT_<KEY>` environment variables, `init.<Key>=<value>` on the kernel command line, and
            `--<Key>=<value>` arguments. Keys are case-insensitive. A value that breaks its rule is
            reported where it was written and ignored: the lower source's value (or the default) stays.

            The settings of a service are files in its directory: see the README's "Files beyond
            runit's" and [the service directory format](service-directory.md).

            | key | values | default | init.conf | environment | kernel command line | argument |
            |---|---|---|---|---|---|---|

            """);
        foreach (var setting in InitSettings.All)
        {
            var property = typeof(InitOptions).GetProperty(setting.Key) ?? throw new InvalidOperationException("no property " + setting.Key);
            string value = property.GetValue(defaults) switch { bool b => b ? "true" : "false", null => "", var v => v.ToString() ?? "" };
            string shown = value.Length == 0 ? "(empty)" : $"`{value}`";
            text.Append($"| `{setting.Key}` | {setting.Rule} | {shown} | `{setting.Key} = …` | `INIT_{setting.Key.ToUpperInvariant()}` | `init.{setting.Key}=…` | `--{setting.Key}=…` |\n");
        }
        text.Append('\n');
        foreach (var setting in InitSettings.All)
            text.Append($"- **`{setting.Key}`**: {Summary(source, setting.Key)}\n");
        return text.ToString();
    }
#pragma warning restore IL2026, IL2075

    /// <summary>The summary of property <paramref name="key"/> in InitOptions.cs, as one line of plain text.</summary>
    private static string Summary(string source, string key)
    {
        var match = Regex.Match(source, @"/// <summary>((?:(?!</summary>).)*)</summary>\s*(?:///[^\n]*\n\s*)*public \w+ " + key + @" \{", RegexOptions.Singleline);
        if (!match.Success) throw new InvalidOperationException($"InitOptions.{key} has no summary");
        string text = Regex.Replace(match.Groups[1].Value, @"\s*///\s*", " ");
        text = Regex.Replace(text, @"<c>([^<]*)</c>", "`$1`");
        text = Regex.Replace(text, @"<see cref=""([^""]*)""\s*/>", m => "`" + m.Groups[1].Value.Split('.')[^1] + "`");
        text = Regex.Replace(text, @"<para>|</para>", " ");
        return Regex.Replace(text, @"\s+", " ").Trim();
    }

    [Test, MaxTime(10_000)]
    public void The_committed_configuration_reference_is_what_the_code_renders()
    {
        string path = Path.Combine(Binary.RepositoryRoot(), DocPath);
        string fresh = Render();
        if (Environment.GetEnvironmentVariable("UPDATE_DOCS") == "1") File.WriteAllText(path, fresh);
        string committed = File.Exists(path) ? File.ReadAllText(path) : "";
        Assert.That(committed, Is.EqualTo(fresh), $"{DocPath} is stale: `dotnet cake --target=Docs` rewrites it. Fresh version:\n{fresh}");
    }

    [Test, MaxTime(10_000)]
    public void Every_setting_is_a_property_with_a_summary_and_every_property_a_setting()
    {
        string source = File.ReadAllText(Path.Combine(Binary.RepositoryRoot(), "src/Init.Core/Configuration/InitOptions.cs"));
        var keys = InitSettings.All.Select(s => s.Key).ToList();
#pragma warning disable IL2026, IL2075
        var properties = typeof(InitOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToList();
#pragma warning restore IL2026, IL2075
        Assert.That(properties, Is.EquivalentTo(keys));
        foreach (string key in keys) Assert.That(Summary(source, key), Is.Not.Empty, key);
    }
}
