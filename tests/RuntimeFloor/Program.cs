namespace Init.RuntimeFloor;

/// <summary>Does nothing: its run time is the NativeAOT runtime's start-up and exit alone.</summary>
public static class Program
{
    public static int Main() => 0;
}
