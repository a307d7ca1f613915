namespace Init.Applets;

/// <summary>
/// The program name runit's tools put in usage and messages: argv[0] as given
/// (<c>usage: /usr/sbin/runsvchdir dir</c>) when it names the applet; <c>init NAME</c> says NAME.
/// </summary>
public static class CalledAs
{
    public static string Program(string name)
    {
        string called = Environment.GetCommandLineArgs()[0];
        return Path.GetFileName(called) == name ? called : name;
    }
}
