using System.Text;

namespace Init.Import;

/// <summary>A piece of one word of a command: literal text, or an environment variable taken at run time.</summary>
public readonly record struct WordPart(string Text, WordPart.Kinds Kind)
{
    public enum Kinds
    {
        Literal,
        /// <summary>systemd's <c>${NAME}</c>: the value as it is, part of the word.</summary>
        Variable,
        /// <summary>systemd's <c>$NAME</c> as a word of its own: the value split at whitespace into words.</summary>
        SplitVariable,
    }

    public static WordPart Literal(string text) => new(text, Kinds.Literal);
    public static WordPart Variable(string name) => new(name, Kinds.Variable);
}

/// <summary>One word of a command line, as parts; rendered for sh so that sh produces what systemd would.</summary>
public sealed class ShellWord(IReadOnlyList<WordPart> parts)
{
    public IReadOnlyList<WordPart> Parts { get; } = parts;

    public static ShellWord Of(string literal) => new([WordPart.Literal(literal)]);

    /// <summary>The word's text when it has no variable in it, else null.</summary>
    public string? LiteralText => Parts.All(p => p.Kind == WordPart.Kinds.Literal) ? string.Concat(Parts.Select(p => p.Text)) : null;

    /// <summary>
    /// For sh: literals single-quoted, <c>${NAME}</c> in double quotes (one word, whitespace kept),
    /// a split variable bare (the run script turns globbing off, so only the splitting remains).
    /// </summary>
    public string Render()
    {
        var text = new StringBuilder();
        foreach (var part in Parts)
            text.Append(part.Kind switch
            {
                WordPart.Kinds.Literal => Shell.Quote(part.Text),
                WordPart.Kinds.Variable => "\"${" + part.Text + "}\"",
                _ => "${" + part.Text + "}",
            });
        return text.Length == 0 ? "''" : text.ToString();
    }

    public override string ToString() => string.Concat(Parts.Select(p => p.Kind == WordPart.Kinds.Literal ? p.Text : "${" + p.Text + "}"));
}

/// <summary>sh quoting for the scripts Init writes.</summary>
public static class Shell
{
    /// <summary>Plain words stay as they are; anything else in single quotes (a quote as <c>'\''</c>).</summary>
    public static string Quote(string text)
    {
        if (text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or '=' or ':' or ',' or '+' or '@' or '%'))
            return text;
        return "'" + text.Replace("'", "'\\''") + "'";
    }

    /// <summary>A name sh takes as a variable's: a letter or underscore, then letters, digits, underscores.</summary>
    public static bool IsName(ReadOnlySpan<char> name)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_')) return false;
        foreach (char c in name) if (!(char.IsAsciiLetterOrDigit(c) || c == '_')) return false;
        return true;
    }
}
