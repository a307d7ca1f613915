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
    }
}
