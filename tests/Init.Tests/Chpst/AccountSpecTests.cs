using Init.Accounts;
using Init.Tests.Support;

namespace Init.Tests.Chpst;

/// <summary>runit's account syntax resolved from passwd/group files of our own.</summary>
[TestFixture, Category("Fast")]
public sealed class AccountSpecTests
{
    private static UserDatabase Db(TempDirectory dir)
    {
        dir.Write("passwd", "root:x:0:0:root:/root:/bin/sh\n# comment\nweb:x:1001:1002::/srv:/bin/false\n");
        dir.Write("group", "root:x:0:\nweb:x:1002:\nlog:x:1003:web\nadm:x:4:\n");
        return new UserDatabase(dir["passwd"], dir["group"]);
    }

    [Test]
    [MaxTime(10_000)]
    public void A_user_alone_gets_its_primary_group_only()
    {
        using var dir = new TempDirectory();
        var ids = AccountSpec.Resolve("web", Db(dir));
        Assert.That((ids!.Uid, ids.Gids), Is.EqualTo((1001u, new uint[] { 1002 })));
    }

    [Test]
    [MaxTime(10_000)]
    public void Listed_groups_replace_the_primary_group_in_order()
    {
        using var dir = new TempDirectory();
        var ids = AccountSpec.Resolve("web:log:adm", Db(dir));
        Assert.That((ids!.Uid, ids.Gids), Is.EqualTo((1001u, new uint[] { 1003, 4 })));
    }

    [TestCase("nobody")]
    [TestCase("web:nogroup")]
    [TestCase(":1x:2")]
    [TestCase(":12")]
    [MaxTime(10_000)]
    public void Unknown_names_and_malformed_numbers_resolve_to_nothing(string spec)
    {
        using var dir = new TempDirectory();
        Assert.That(AccountSpec.Resolve(spec, Db(dir)), Is.Null);
    }

    [Test]
    [MaxTime(10_000)]
    public void Numeric_specs_round_trip()
    {
        using var dir = new TempDirectory();
        var db = Db(dir);
        var random = new Random(5);
        for (int i = 0; i < 500; i++)
        {
            uint uid = (uint)random.Next();
            var gids = Enumerable.Range(0, random.Next(1, 60)).Select(_ => (uint)random.Next()).ToArray();
            var ids = AccountSpec.Resolve(":" + uid + ":" + string.Join(':', gids), db);
            Assert.That((ids!.Uid, ids.Gids), Is.EqualTo((uid, gids)));
        }
    }
}
