namespace Init.Tests.Support;

/// <summary>A scratch directory under /tmp, removed on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("init-test-").FullName;

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    /// <summary>Writes an executable script (mode 0755).</summary>
    public string Script(string relative, string body)
    {
        string file = this[relative];
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, body.StartsWith("#!") ? body : "#!/bin/sh\n" + body);
        File.SetUnixFileMode(file, (UnixFileMode)0b111_101_101);
        return file;
    }

    public string Write(string relative, string content)
    {
        string file = this[relative];
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, content);
        return file;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        RemoveCgroups();
    }

    /// <summary>
    /// The cgroup subtrees of engines that scanned a directory in here (a killed engine leaves its
    /// own): the empty ones go, deepest first, so a run of the suite leaves none behind.
    /// </summary>
    private void RemoveCgroups()
    {
        if (Init.Supervision.ServiceCgroups.OwnCgroupDirectory() is not { } own || !Directory.Exists(own)) return;
        string prefix = Init.Supervision.ServiceCgroups.UnitName(Path + "/x")[..^1];
        try
        {
            foreach (string subtree in Directory.GetDirectories(own, prefix + "*"))
                foreach (string dir in Directory.GetDirectories(subtree, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length).Append(subtree))
                    try { Directory.Delete(dir); } catch (IOException) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
