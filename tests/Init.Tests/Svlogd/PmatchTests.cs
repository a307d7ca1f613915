using System.Text;
using Init.Logging;

namespace Init.Tests.Svlogd;

/// <summary>runit's pmatch, example by example and as properties over random inputs.</summary>
[TestFixture, Category("Fast")]
public sealed class PmatchTests
{
    private static bool M(string pattern, string line) => Pmatch.Match(Encoding.ASCII.GetBytes(pattern), Encoding.ASCII.GetBytes(line));

    [TestCase("abc", "abc", true)]
    [TestCase("abc", "abcd", false)]
    [TestCase("abc", "ab", false)]
    [TestCase("*", "", true)]
    [TestCase("*", "anything at all", true)]
    [TestCase("a*", "a", true)]
    [TestCase("*c", "abc", true)]
    [TestCase("*c", "abcd", false)]
    [TestCase("*x*", "a x b", true)]
    [TestCase("*x*", "a y b", false)]
    [TestCase("* *", "no-space", false)]
    [TestCase("a+b", "ab", true)]
    [TestCase("a+b", "abbb", true)]
    [TestCase("a+bc", "abbbc", true)]
    [TestCase("a+bc", "ac", false)]
    [TestCase("a+bc", "abb", true)]     // runit: the line runs out inside the repetition → match
    [TestCase("*error*", "an error here", true)]
    [TestCase("", "", true)]
    [TestCase("", "x", false)]
    [MaxTime(10_000)]
    public void Matches_like_runit(string pattern, string line, bool expected) =>
        Assert.That(M(pattern, line), Is.EqualTo(expected));

    [Test]
    [MaxTime(10_000)]
    public void A_pattern_without_specials_matches_exactly_itself()
    {
        var random = new Random(1);
        for (int i = 0; i < 2000; i++)
        {
            string a = RandomText(random, "abc ", 6), b = RandomText(random, "abc ", 6);
            Assert.That(M(a, b), Is.EqualTo(a == b), $"'{a}' vs '{b}'");
        }
    }

    [Test]
    [MaxTime(10_000)]
    public void A_trailing_star_matches_every_extension_of_the_prefix()
    {
        var random = new Random(2);
        for (int i = 0; i < 2000; i++)
        {
            string prefix = RandomText(random, "ab:", 5), tail = RandomText(random, "ab:* +", 8);
            Assert.That(M(prefix + "*", prefix + tail), Is.True, $"'{prefix}*' vs '{prefix + tail}'");
        }
    }

    [Test]
    [MaxTime(10_000)]
    public void Star_then_a_character_matches_when_the_line_ends_with_that_character_and_has_no_earlier_one()
    {
        var random = new Random(3);
        for (int i = 0; i < 2000; i++)
        {
            string line = RandomText(random, "abx", 8);
            bool expected = line.Length > 0 && line.IndexOf('x') == line.Length - 1;
            Assert.That(M("*x", line), Is.EqualTo(expected), line);
        }
    }

    private static string RandomText(Random r, string alphabet, int maxLength)
    {
        var sb = new StringBuilder();
        int n = r.Next(maxLength + 1);
        for (int i = 0; i < n; i++) sb.Append(alphabet[r.Next(alphabet.Length)]);
        return sb.ToString();
    }
}
