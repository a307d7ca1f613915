using Init.Interop;
using Init.Tests.Support;
using static Init.Interop.Consts;

namespace Init.Tests.Unit;

/// <summary>Sys.DirectoryNames (getdents64), which a service's policy files are looked up in.</summary>
[TestFixture, Category("Fast")]
public class DirectoryNamesTests
{
    [TestCase(0), TestCase(3), TestCase(400)]   // 400 names need several calls of the 4 KiB buffer
    [MaxTime(10_000)]
    public void Every_name_is_listed_once_without_dot_and_dot_dot(int count)
    {
        using var temp = new TempDirectory();
        string dir = temp["d"];
        Directory.CreateDirectory(dir);
        var expected = Enumerable.Range(0, count).Select(i => $"name-{i:000}-{new string('x', i % 40)}").ToList();
        foreach (var name in expected) File.WriteAllText(Path.Combine(dir, name), "");
        if (count > 0) Directory.CreateDirectory(Path.Combine(dir, "sub"));
        if (count > 0) expected.Add("sub");

        int fd = Sys.Open(dir, O_RDONLY | O_DIRECTORY);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        try { Assert.That(Sys.DirectoryNames(fd), Is.EquivalentTo(expected)); }
        finally { Sys.Close(fd); }
    }

    [Test, MaxTime(5_000)]
    public void A_descriptor_that_is_not_a_directory_gives_null_and_the_error()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp["f"], "");
        int fd = Sys.Open(temp["f"], O_RDONLY);
        try
        {
            Assert.That(Sys.DirectoryNames(fd), Is.Null);
            Assert.That(Sys.Errno, Is.EqualTo(ENOTDIR));
        }
        finally { Sys.Close(fd); }
    }
}
