using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Ini;

namespace Init.Configuration;

/// <summary>
/// Loads <see cref="InitOptions"/> from, in rising precedence: the defaults, the INI file
/// (/etc/init/init.conf), INIT_* environment variables, init.KEY=VALUE on the kernel command line,
/// and --KEY=VALUE arguments. Never throws: a source that cannot be read or parsed is reported
/// through <paramref name="warn"/> and left out, and values that do not bind leave the defaults.
/// </summary>
public static class InitConfiguration
{
    public static InitOptions Load(string? file, string? kernelCommandLine, string[] arguments, Action<string> warn,
        IDictionary<string, string?>? environment = null)
    {
        var builder = new ConfigurationBuilder();
        if (file is not null && ReadFile(file, warn) is { } ini)
        {
            var probe = new ConfigurationBuilder().Add(new IniStreamConfigurationSource { Stream = new MemoryStream(ini) });
            try
            {
                probe.Build();
                builder.Add(new IniStreamConfigurationSource { Stream = new MemoryStream(ini) });
            }
            catch (Exception e) when (e is FormatException or InvalidDataException or InvalidOperationException)
            {
                warn($"{file}: {e.Message}: ignored");
            }
        }
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
        // Key by key, so one bad value costs only its own setting.
        foreach (var child in root.GetChildren())
        {
            var single = new ConfigurationBuilder().AddInMemoryCollection([new(child.Key, child.Value)]).Build();
            try { single.Bind(options); }
            catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException)
            {
                warn($"configuration: bad value for {child.Key}: {child.Value}: using the default");
            }
        }
        return Sanitize(options, warn);
    }

    /// <summary>Values that bind but make no sense are put back to their defaults.</summary>
    private static InitOptions Sanitize(InitOptions o, Action<string> warn)
    {
        var d = new InitOptions();
        if (o.StopGraceSeconds < 0) { warn("configuration: StopGraceSeconds < 0: using the default"); o.StopGraceSeconds = d.StopGraceSeconds; }
        if (o.KillGraceSeconds < 0) { warn("configuration: KillGraceSeconds < 0: using the default"); o.KillGraceSeconds = d.KillGraceSeconds; }
        if (o.ReapIntervalMs is < 10 or > 1000) { warn("configuration: ReapIntervalMs must be 10..1000: using the default"); o.ReapIntervalMs = d.ReapIntervalMs; }
        if (o.RespawnMaxSeconds < 1) { warn("configuration: RespawnMaxSeconds < 1: using the default"); o.RespawnMaxSeconds = d.RespawnMaxSeconds; }
        if (o.Mode is not ("auto" or "system" or "container")) { warn($"configuration: unknown Mode {o.Mode}: using auto"); o.Mode = d.Mode; }
        if (o.Stages is not ("auto" or "runit" or "builtin")) { warn($"configuration: unknown Stages {o.Stages}: using auto"); o.Stages = d.Stages; }
        if (o.CtrlAltDel is not ("reboot" or "poweroff" or "halt" or "ignore")) { warn($"configuration: unknown CtrlAltDel {o.CtrlAltDel}: using reboot"); o.CtrlAltDel = d.CtrlAltDel; }
        if (o.Supervision is not ("engine" or "process")) { warn($"configuration: unknown Supervision {o.Supervision}: using engine"); o.Supervision = d.Supervision; }
        if (string.IsNullOrEmpty(o.ServiceDirectory)) o.ServiceDirectory = d.ServiceDirectory;
        return o;
    }

    private static byte[]? ReadFile(string path, Action<string> warn)
    {
        try { return File.ReadAllBytes(path); }
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
