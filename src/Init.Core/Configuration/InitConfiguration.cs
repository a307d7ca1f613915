using Microsoft.Extensions.Configuration;

namespace Init.Configuration;

/// <summary>
/// Loads <see cref="InitOptions"/> from, in rising precedence: the defaults, the INI file
/// (/etc/init/init.conf, <see cref="IniFile"/>), INIT_* environment variables, init.KEY=VALUE on
/// the kernel command line, and --KEY=VALUE arguments, checked against <see cref="InitSettings"/>.
/// Never throws: what cannot be read or parsed is reported through <paramref name="warn"/> and left
/// out, and a value its setting refuses is reported and leaves the default.
/// </summary>
public static class InitConfiguration
{
    public static InitOptions Load(string? file, string? kernelCommandLine, string[] arguments, Action<string> warn,
        IDictionary<string, string?>? environment = null)
    {
        var builder = new ConfigurationBuilder();
        if (file is not null && ReadFile(file, warn) is { } ini) builder.AddInMemoryCollection(IniFile.Parse(ini, file, warn));
        if (environment is null) builder.AddEnvironmentVariables("INIT_");
        else builder.AddInMemoryCollection(Prefixed(environment, "INIT_"));
        if (kernelCommandLine is not null) builder.Add(new KernelCommandLineConfigurationSource(kernelCommandLine));
        builder.AddCommandLine(arguments);

        var options = new InitOptions();
        IConfigurationRoot root;
        try { root = builder.Build(); }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException)
        {
            warn($"configuration: {e.Message}: using the defaults");
            return options;
        }
        // In the order the sources rose; one bad value costs only its own setting. Keys that are
        // not ours (another program's INIT_* variable, an INI section) are none of our business.
        foreach (var entry in root.GetChildren())
        {
            if (entry.Value is not { } value || InitSettings.Find(entry.Key) is not { } setting) continue;
            if (!setting.TrySet(options, value.Trim()))
                warn($"configuration: bad value for {setting.Key}: {value} (must be {setting.Rule}): using the default");
        }
        return options;
    }

    private static string? ReadFile(string path, Action<string> warn)
    {
        try { return File.ReadAllText(path); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { warn($"{path}: {e.Message}: ignored"); return null; }
    }

    private static IEnumerable<KeyValuePair<string, string?>> Prefixed(IDictionary<string, string?> environment, string prefix)
    {
        foreach (var (k, v) in environment)
            if (k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                yield return new(k[prefix.Length..].Replace("__", ":"), v);
    }
}
