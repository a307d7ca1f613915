using Microsoft.Extensions.Configuration;

namespace Init.Configuration;

/// <summary>
/// Loads <see cref="InitOptions"/> from, in rising precedence: the defaults, the INI file
/// (/etc/init/init.conf, <see cref="IniFile"/>), INIT_* environment variables, init.KEY=VALUE on
/// the kernel command line, and --KEY=VALUE arguments. Every value is checked against its
/// <see cref="InitSettings"/> entry where it was written, so a message names its source (file and
/// line, variable, word or argument) and a refused value leaves what a lower source or the default
/// gave. Never throws. Unknown keys are reported with the nearest setting, except in the
/// environment, where INIT_* variables of other programs are none of our business.
/// </summary>
public static class InitConfiguration
{
    /// <summary>One key=value as written: <paramref name="Spelling"/> is how and where (for messages).</summary>
    private readonly record struct Entry(string Spelling, string Key, string Value);

    public static InitOptions Load(string? file, string? kernelCommandLine, string[] arguments, Action<string> warn,
        IDictionary<string, string?>? environment = null)
    {
        var options = new InitOptions();
        if (file is not null) Apply(options, FileEntries(file, warn), warn, reportUnknown: true);
        Apply(options, EnvironmentEntries(environment), warn, reportUnknown: false);
        if (kernelCommandLine is not null) Apply(options, KernelEntries(kernelCommandLine), warn, reportUnknown: true);
        Apply(options, ArgumentEntries(arguments, warn), warn, reportUnknown: true);
        return options;
    }

    private static void Apply(InitOptions options, IEnumerable<Entry> entries, Action<string> warn, bool reportUnknown)
    {
        foreach (var entry in entries)
        {
            if (InitSettings.Find(entry.Key) is not { } setting)
            {
                if (!reportUnknown) continue;
                string hint = InitSettings.Nearest(entry.Key) is { } near ? $" (did you mean {near.Key}?)" : "";
                warn($"configuration: {Printable(entry.Spelling)}: unknown setting{hint}: ignored");
                continue;
            }
            if (!setting.TrySet(options, entry.Value.Trim()))
                warn($"configuration: {Printable(entry.Spelling)}={Printable(entry.Value)}: {setting.Key} must be {setting.Rule}: ignored");
        }
    }

    private static IEnumerable<Entry> FileEntries(string path, Action<string> warn)
    {
        if (ReadFile(path, explicitlyNamed: path != new InitOptions().ConfigFile, warn) is not { } text) return [];
        return IniFile.Parse(text, path, warn).Select(e => new Entry($"{path}: line {e.Line}: {e.Key}", e.Key, e.Value));
    }

    private static IEnumerable<Entry> EnvironmentEntries(IDictionary<string, string?>? environment)
    {
        var builder = new ConfigurationBuilder();
        if (environment is null) builder.AddEnvironmentVariables(EnvironmentPrefix);
        else builder.AddInMemoryCollection(Prefixed(environment, EnvironmentPrefix));
        foreach (var variable in builder.Build().GetChildren())
            if (variable.Value is { } value) yield return new(EnvironmentPrefix + variable.Key, variable.Key, value);
    }

    private const string EnvironmentPrefix = "INIT_", KernelPrefix = "init.";

    private static IEnumerable<Entry> KernelEntries(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { yield break; }
        foreach (var (key, value) in KernelCommandLine.Parse(text, KernelPrefix))
            yield return new($"kernel command line: {KernelPrefix}{key}", key, value);
    }

    private static IEnumerable<Entry> ArgumentEntries(string[] arguments, Action<string> warn)
    {
        foreach (string a in arguments)
        {
            int eq = a.IndexOf('=');
            if (!a.StartsWith("--", StringComparison.Ordinal) || eq <= 2)
            {
                warn($"configuration: argument {Printable(a)}: not --Key=value: ignored");
                continue;
            }
            yield return new(a[..eq], a[2..eq], a[(eq + 1)..]);
        }
    }

    /// <summary>The file's text; null (and a message, unless it is the default file and simply absent) when there is none to use.</summary>
    private static string? ReadFile(string path, bool explicitlyNamed, Action<string> warn)
    {
        string? problem;
        try
        {
            string text = File.ReadAllText(path);
            if (!text.Contains('\0')) return text;
            problem = "not a text file";
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            if (!explicitlyNamed) return null;
            problem = "no such file";
        }
        catch (UnauthorizedAccessException) { problem = Directory.Exists(path) ? "a directory, not a file" : "access denied"; }
        catch (IOException) { problem = "unable to read it"; }
        warn($"configuration: {Printable(path)}: {problem}: using the other sources and the defaults");
        return null;
    }

    /// <summary>Text from outside as a message may show it: control characters as '?', at most 80 characters.</summary>
    // Runtime.Printable's rule, written out here: configuration depends on no other layer (LayerTests).
    private static string Printable(string text)
    {
        var shown = new System.Text.StringBuilder(Math.Min(text.Length, 81));
        foreach (char c in text.Length > 80 ? text[..80] : text) shown.Append(char.IsControl(c) ? '?' : c);
        if (text.Length > 80) shown.Append('…');
        return shown.ToString();
    }

    private static IEnumerable<KeyValuePair<string, string?>> Prefixed(IDictionary<string, string?> environment, string prefix)
    {
        foreach (var (k, v) in environment)
            if (k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                yield return new(k[prefix.Length..].Replace("__", ":"), v);
    }
}
