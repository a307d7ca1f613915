namespace Init.Tests.Support;

/// <summary>
/// What a supervise/ directory holds, for tests that check it holds nothing unexpected. Each
/// <c>NAME.new</c> beside a file swapped in is that file's previous content, kept to be written
/// over (README): it is checked apart, as belonging to one of the swapped files.
/// </summary>
public static class SuperviseListing
{
    /// <summary>The entries of <paramref name="supervise"/> but the kept <c>*.new</c>, ordered; asserts each of those belongs to a swapped file.</summary>
    public static string[] Files(string supervise)
    {
        var entries = Directory.GetFileSystemEntries(supervise).Select(e => Path.GetFileName(e)!).ToArray();
        var kept = entries.Where(e => e.EndsWith(".new", StringComparison.Ordinal)).Select(e => e[..^4]);
        Assert.That(kept, Is.SubsetOf(entries), "a .new only beside the file swapped in from it");
        return entries.Where(e => !e.EndsWith(".new", StringComparison.Ordinal)).Order().ToArray();
    }
}
