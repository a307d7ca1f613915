using CsCheck;
using Init.Fuzz;
using Init.Tests.Support;

namespace Init.Tests.Properties;

/// <summary>
/// The fuzz targets (tests/Fuzz, run for minutes under afl++ by the Cake target Fuzz) in CI's
/// bounded form: every input of the committed corpus (seeds and what afl found worth keeping), then
/// a few thousand random mutations of them, through its target. A target throws on anything a
/// parser must survive or a promise it breaks.
/// </summary>
[TestFixture, Category("Fast"), Category("Properties"), Category("Reliability")]
public class FuzzCorpusTests
{
    private const int Mutations = 3_000;

    private static string Corpus => Path.Combine(Binary.RepositoryRoot(), "tests", "Fuzz", "corpus");

    public static IEnumerable<string> Targets => FuzzTargets.All.Keys;

    [Test, MaxTime(5_000)]
    public void Every_target_has_a_corpus_and_every_corpus_a_target()
    {
        var directories = Directory.GetDirectories(Corpus).Select(Path.GetFileName).Order().ToList();
        Assert.That(directories, Is.EqualTo(FuzzTargets.All.Keys.Order().ToList()));
    }

    [TestCaseSource(nameof(Targets)), MaxTime(30_000)]
    public void The_corpus_and_mutations_of_it_pass_the_target(string target)
    {
        var run = FuzzTargets.All[target];
        var seeds = Directory.GetFiles(Path.Combine(Corpus, target)).Order().Select(File.ReadAllBytes).ToArray();
        Assert.That(seeds, Is.Not.Empty);
        for (int i = 0; i < seeds.Length; i++)
            Assert.DoesNotThrow(() => run(seeds[i]), $"seed {i}");
        // afl's havoc in small: flip, overwrite, insert or delete bytes of a seed, or splice two.
        var edit = Gen.Select(Gen.Int[0, 4], Gen.Int[0, int.MaxValue], Gen.Byte);
        Gen.Select(Gen.Int[0, seeds.Length - 1], Gen.Int[0, seeds.Length - 1], edit.Array[1, 8]).Sample((first, second, edits) =>
        {
            var bytes = new List<byte>(seeds[first]);
            foreach (var (kind, at, value) in edits)
            {
                int p = bytes.Count == 0 ? 0 : at % bytes.Count;
                switch (kind)
                {
                    case 0 when bytes.Count > 0: bytes[p] ^= (byte)(1 << (value & 7)); break;
                    case 1 when bytes.Count > 0: bytes[p] = value; break;
                    case 2: bytes.Insert(p, value); break;
                    case 3 when bytes.Count > 0: bytes.RemoveAt(p); break;
                    case 4: bytes = [.. bytes.Take(p), .. seeds[second].Skip(at % (seeds[second].Length + 1))]; break;
                }
            }
            run([.. bytes]);
        }, iter: Mutations);
        Reliability.Record("bad input", $"fuzz target {target}: its corpus and random mutations of it (CI's bounded run)", seeds.Length + Mutations,
            "every promise kept; nothing throws");
    }
}
