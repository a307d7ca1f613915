namespace Init.Tests.Unit;

/// <summary>
/// Everything in Init.Tests.Unit is in-process: the category on this namespace-wide fixture puts
/// each fixture here (ServiceProcessTests included) into Category=Fast.
/// </summary>
[SetUpFixture, Category("Fast")]
public sealed class UnitCategory;
