using NetArchTest.Rules;

namespace Init.Tests.Unit;

/// <summary>
/// The layers of Init.Core, checked on the compiled assembly: bindings stay raw, the event loop
/// knows no services, the logger knows nothing of supervision, supervision knows no PID 1 (nor the
/// analysis of its timeline).
/// A reference a layer must not make fails here, naming the types that make it.
/// </summary>
public class LayerTests
{
    private static readonly string[] Everything =
        ["Init.Interop", "Init.Runtime", "Init.Supervision", "Init.Control", "Init.Logging", "Init.Boot", "Init.Container", "Init.Configuration", "Init.Accounts", "Init.Timeline", "Init.Import"];

    [TestCase("Init.Interop")]
    [TestCase("Init.Runtime", "Init.Interop")]
    [TestCase("Init.Supervision", "Init.Interop", "Init.Runtime", "Init.Logging")]
    [TestCase("Init.Control", "Init.Interop", "Init.Runtime", "Init.Supervision")]
    [TestCase("Init.Timeline", "Init.Interop", "Init.Runtime", "Init.Supervision")]
    [TestCase("Init.Logging", "Init.Interop", "Init.Runtime")]
    [TestCase("Init.Accounts", "Init.Interop", "Init.Runtime")]
    [TestCase("Init.Configuration")]
    [TestCase("Init.Import", "Init.Interop", "Init.Runtime", "Init.Supervision")]
    [MaxTime(10_000)]
    public void A_layer_references_only_the_layers_below_it(string layer, params string[] allowed)
    {
        string[] forbidden = Everything.Where(n => n != layer && !allowed.Contains(n)).ToArray();

        var layerTypes = Types.InAssembly(typeof(Init.Supervision.StatusRecord).Assembly).That().ResideInNamespace(layer);
        Assert.That(layerTypes.GetTypes(), Is.Not.Empty, "the rule must look at something");
        var result = layerTypes.ShouldNot().HaveDependencyOnAny(forbidden).GetResult();

        Assert.That(result.FailingTypeNames ?? [], Is.Empty, $"{layer} may use only {string.Join(", ", allowed.DefaultIfEmpty("nothing of Init"))}");
    }

    /// <summary>
    /// Every native call outside Init.Interop goes through <see cref="Init.Interop.Sys"/> (one errno,
    /// EINTR retried, return codes checked): no other type, in the library or the executable, may
    /// name the raw bindings. Their constants and structs (Consts, Timespec, epoll_event) are fine.
    /// </summary>
    [TestCase(typeof(Init.Supervision.StatusRecord))]
    [TestCase(typeof(Init.Applets.AppletTable))]
    [MaxTime(10_000)]
    public void Only_the_interop_layer_calls_libc(Type anyTypeOfTheAssembly)
    {
        var outside = Types.InAssembly(anyTypeOfTheAssembly.Assembly).That().DoNotResideInNamespace("Init.Interop");
        Assert.That(outside.GetTypes(), Is.Not.Empty, "the rule must look at something");
        var result = outside.ShouldNot().HaveDependencyOnAny("Init.Interop.Libc", "Tmds.Linux.LibC").GetResult();

        Assert.That(result.FailingTypeNames ?? [], Is.Empty, "call Init.Interop.Sys instead of Libc or Tmds.Linux.LibC");
    }
}
