namespace Init.Supervision;

/// <summary>A start-up failure that ends a supervisor with runit's message and exit code 111.</summary>
public sealed class SupervisorError(string message, int errno = 0) : Exception(message)
{
    public int Errno { get; } = errno;
}
