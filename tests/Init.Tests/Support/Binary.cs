namespace Init.Tests.Support;

/// <summary>Where the published native binary and its applet links are (INIT_BIN_DIR, else artifacts/bin).</summary>
public static class Binary
{
    public static string Directory { get; } = Locate();

    public static string Init => Path.Combine(Directory, "init");

    /// <summary>The applet link of that name (runsv, sv, …) in the publish folder.</summary>
    public static string Applet(string name) => Path.Combine(Directory, name);

    /// <summary>The checkout the tests were built from: the folder above them that holds Init.sln.</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Init.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (Init.sln) above " + AppContext.BaseDirectory);
    }

    private static string Locate()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("INIT_BIN_DIR");
        if (!string.IsNullOrEmpty(fromEnv)) return Path.GetFullPath(fromEnv);
        string bin = Path.Combine(RepositoryRoot(), "artifacts", "bin");
        if (!File.Exists(Path.Combine(bin, "init")))
            throw new InvalidOperationException($"no published binary at {bin}: run `dotnet cake --target=Publish` first");
        return bin;
    }
}
