using System.Diagnostics;
using System.Reflection;

namespace Init.Tests.Support;

/// <summary>The tests' time bounds are real: a [CancelAfter] ends every wait of Run, and every test has a bound.</summary>
[TestFixture, Category("Fast")]
public sealed class TimeBoundTests
{
    [Test, CancelAfter(300)]
    public void A_wait_that_outlasts_the_tests_CancelAfter_ends_at_the_bound()
    {
        var clock = Stopwatch.StartNew();

        Assert.That(() => Run.Until(() => false, 30_000), Throws.TypeOf<TimeoutException>().With.Message.Contains("CancelAfter"));
        Assert.That(clock.ElapsedMilliseconds, Is.LessThan(5_000));
    }

    [Test, CancelAfter(300)]
    public void A_command_that_outlasts_the_tests_CancelAfter_is_killed_at_the_bound()
    {
        var clock = Stopwatch.StartNew();

        Assert.That(() => Run.Command("/bin/sleep", "30"), Throws.TypeOf<TimeoutException>().With.Message.Contains("CancelAfter"));
        Assert.That(clock.ElapsedMilliseconds, Is.LessThan(5_000));
    }

    [Test, CancelAfter(300)]
    public void A_negative_check_that_outlasts_the_tests_CancelAfter_ends_at_the_bound()
    {
        var clock = Stopwatch.StartNew();

        Assert.That(() => Run.Never(() => false, TimeSpan.FromSeconds(30), "nothing"), Throws.TypeOf<TimeoutException>());
        Assert.That(clock.ElapsedMilliseconds, Is.LessThan(5_000));
    }

    [Test, CancelAfter(5_000)]
    public void A_negative_check_fails_as_soon_as_the_thing_happens()
    {
        var clock = Stopwatch.StartNew();

        Assert.That(() => Run.Never(() => clock.ElapsedMilliseconds > 100, TimeSpan.FromSeconds(30), "the clock passing 100 ms"),
            Throws.TypeOf<AssertionException>().With.Message.Contains("the clock passing 100 ms happened after"));
        Assert.That(clock.ElapsedMilliseconds, Is.LessThan(5_000));
    }

    [Test, MaxTime(5_000)]
#pragma warning disable IL2026, IL2070   // the tests run on the JIT, never trimmed
    public void Every_test_has_a_CancelAfter_or_a_MaxTime()
    {
        var tests = typeof(TimeBoundTests).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.GetCustomAttributes().Any(a => a is TestAttribute or TestCaseAttribute or TestCaseSourceAttribute));

        var unbounded = tests
            .Where(m => m.GetCustomAttribute<CancelAfterAttribute>() is null && m.GetCustomAttribute<MaxTimeAttribute>() is null
                && m.DeclaringType!.GetCustomAttribute<CancelAfterAttribute>() is null)
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}")
            .ToList();

        Assert.That(unbounded, Is.Empty, "[CancelAfter] (black-box tests: every wait in Run observes it) or [MaxTime] (in-process tests)");
    }
#pragma warning restore IL2026, IL2070
}
