using static Init.Interop.Consts;

namespace Init.Boot;

/// <summary>How a shutdown ends: the reboot(2) command after stage 3.</summary>
public enum ShutdownKind { Poweroff, Reboot, Halt }

public static class ShutdownKinds
{
    public static int RebootCommand(this ShutdownKind kind) => kind switch
    {
        ShutdownKind.Reboot => RB_AUTOBOOT,
        ShutdownKind.Halt => RB_HALT_SYSTEM,
        _ => RB_POWER_OFF,
    };

    public static string Verb(this ShutdownKind kind) => kind switch
    {
        ShutdownKind.Reboot => "reboot",
        ShutdownKind.Halt => "halt",
        _ => "poweroff",
    };

    /// <summary>"reboot", "poweroff", "halt" (config values); null for anything else.</summary>
    public static ShutdownKind? Parse(string? word) => word switch
    {
        "reboot" => ShutdownKind.Reboot,
        "poweroff" => ShutdownKind.Poweroff,
        "halt" => ShutdownKind.Halt,
        _ => null,
    };
}
