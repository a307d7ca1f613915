using System.Globalization;
using System.Text;
using Init.Supervision;

namespace Init.Timeline;

/// <summary>
/// <c>init analyze plot</c>: the boot as an SVG picture, as systemd-analyze plot draws it. One row
/// a service in the order they started: a pale bar while it waited for its dependencies, a strong
/// one from its start to its readiness, a light one while it ran (until it stopped); arrows from
/// each dependency's readiness to the start it allowed, the critical chain's in bold; the kernel
/// and stage 1 as the first rows, a time axis with ticks. Written by hand (a few hundred bytes a
/// row, no XML library in the binary); every outside text goes through <see cref="Escape"/>.
/// </summary>
public static class TimelineSvg
{
    private const int RowHeight = 20, BarHeight = 12, PlotWidth = 760, Top = 84, Margin = 10, RightRoom = 60;   // room for the last "+took"
    private static readonly double[] Steps = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];

    private const string Waiting = "#f3dd8f", Starting = "#d9534f", Running = "#f4c7c3", Restart = "#333333", Kernel = "#9fb6cd", Stage1 = "#6f8fb0";

    /// <summary>One bar of a row, from one moment to another (a restart's mark has no length).</summary>
    private sealed record Bar(long From, long To, string Fill);

    public static string Render(BootAnalysis boot)
    {
        var rows = boot.Services.ToList();
        rows.Sort((a, b) => (a.Times.StartMs, b.Times.StartMs) switch
        {
            (null, not null) => 1,
            (not null, null) => -1,
            var (x, y) when x != y => x < y ? -1 : 1,
            _ => string.CompareOrdinal(a.Name, b.Name),
        });
        var chain = boot.Last is { } last ? boot.CriticalChain(last).Select(s => s.Name).ToHashSet(StringComparer.Ordinal) : [];
        var stages = boot.Stages;
        bool kernelRows = stages is { Mode: "system", InitMs: not null, Stage2Ms: not null };
        int first = kernelRows ? 2 : 0;
        var plot = new Plot(boot.OriginMs, Latest(boot) - boot.OriginMs, rows, first);
        var svg = plot.Svg;

        svg.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{plot.Width}\" height=\"{plot.Height}\" viewBox=\"0 0 {plot.Width} {plot.Height}\" font-family=\"DejaVu Sans, Verdana, sans-serif\" font-size=\"11\">\n");
        svg.Append("<title>").Append(Escape(Title(boot))).Append("</title>\n");
        svg.Append("<defs><marker id=\"arrow\" viewBox=\"0 0 8 8\" refX=\"8\" refY=\"4\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#555\"/></marker></defs>\n");
        svg.Append($"<rect width=\"{plot.Width}\" height=\"{plot.Height}\" fill=\"#ffffff\"/>\n");
        svg.Append($"<text x=\"{Margin}\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{Escape(Title(boot))}</text>\n");
        svg.Append($"<text x=\"{Margin}\" y=\"40\" fill=\"#444\">{Escape(Subtitle(boot))}</text>\n");
        plot.Axis();
        if (kernelRows)
        {
            long init = stages!.InitMs!.Value, stage2 = stages.Stage2Ms!.Value;
            plot.Row(0, "kernel", [new Bar(boot.OriginMs, init, Kernel)], bold: false);
            plot.Row(1, "stage 1", [new Bar(init, stage2, Stage1)], bold: false);
        }
        plot.Marker("stage 2", stages?.Stage2Ms);
        plot.Marker("stage 3", stages?.Stage3Ms);
        for (int i = 0; i < rows.Count; i++)
        {
            var s = rows[i];
            plot.Row(first + i, AnalysisText.Name(s.Name), Bars(s, plot.EndMs), chain.Contains(s.Name));
            if (s.TookMs is { } took && took > 0) plot.Note(first + i, s.Times.ReadyMs!.Value, "+" + TimeText.Span(took));
        }
        // Dependencies: from the readiness of what was needed to the start it allowed.
        svg.Append("<g fill=\"none\" stroke=\"#555\">\n");
        foreach (var s in rows)
        {
            if (s.Times.StartMs is not { } start) continue;
            foreach (string need in s.Times.Needs)
            {
                int from = rows.FindIndex(r => r.Name == need);
                if (from < 0 || rows[from].Times.ReadyMs is not { } ready) continue;
                plot.Arrow(first + from, ready, first + rows.IndexOf(s), start, bold: chain.Contains(s.Name) && chain.Contains(need));
            }
        }
        svg.Append("</g>\n");
        plot.Legend();
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>The last moment anything was noted (relative times: the axis ends a little after it).</summary>
    private static long Latest(BootAnalysis boot)
    {
        long latest = boot.OriginMs;
        void See(long? t) { if (t > latest) latest = t.Value; }
        See(boot.Stages?.InitMs);
        See(boot.Stages?.Stage2Ms);
        See(boot.Stages?.Stage3Ms);
        foreach (var s in boot.Services)
        {
            See(s.Times.WaitingMs); See(s.Times.StartMs); See(s.Times.ReadyMs); See(s.Times.RestartMs); See(s.Times.StopMs);
        }
        return latest;
    }

    /// <summary>The picture's geometry (time to x, row to y) and its drawing steps.</summary>
    private sealed class Plot
    {
        private readonly long _origin;
        private readonly double _spanMs;
        private readonly int _labelWidth, _rows;
        public readonly StringBuilder Svg = new();

        public Plot(long origin, long lastMs, List<ServiceEntry> services, int extraRows)
        {
            _origin = origin;
            _spanMs = Math.Max(100, lastMs + Math.Max(100, lastMs / 20));
            int longest = "stage 1".Length;
            foreach (var s in services) longest = Math.Max(longest, AnalysisText.Name(s.Name).Length);
            _labelWidth = Math.Clamp(longest * 7 + 16, 90, 320);
            _rows = services.Count + extraRows;
        }

        public int Width => _labelWidth + PlotWidth + 2 * Margin + RightRoom;
        public int Height => Top + _rows * RowHeight + 64;
        /// <summary>Where bars of what still runs end: the axis's end.</summary>
        public long EndMs => _origin + (long)_spanMs;
        private double X(long ms) => _labelWidth + Margin + (ms - _origin) * PlotWidth / _spanMs;
        private static double Y(int row) => Top + row * RowHeight;

        /// <summary>A tick, a label and a grid line every step, about ten of them.</summary>
        public void Axis()
        {
            double step = Steps[^1];
            foreach (double s in Steps) if (_spanMs / 1000 / s <= 10) { step = s; break; }
            var labels = new StringBuilder("<g fill=\"#555\" text-anchor=\"middle\">\n");
            Svg.Append("<g stroke=\"#e4e4e4\" stroke-width=\"1\">\n");
            for (int i = 0; i * step * 1000 <= _spanMs; i++)
            {
                double x = X(_origin + (long)Math.Round(i * step * 1000));
                Svg.Append($"<line x1=\"{F(x)}\" y1=\"{Top - 6}\" x2=\"{F(x)}\" y2=\"{F(Y(_rows))}\"/>\n");
                labels.Append($"<text x=\"{F(x)}\" y=\"{Top - 10}\">{Tick(i * step, step)}</text>\n");
            }
            Svg.Append("</g>\n").Append(labels).Append("</g>\n");
        }

        /// <summary>A dashed line down the rows at a stage's start.</summary>
        public void Marker(string name, long? ms)
        {
            if (ms is not { } t) return;
            Svg.Append($"<line x1=\"{F(X(t))}\" y1=\"{Top - 4}\" x2=\"{F(X(t))}\" y2=\"{F(Y(_rows))}\" stroke=\"{Stage1}\" stroke-dasharray=\"4,3\"/>\n");
            Svg.Append($"<text x=\"{F(X(t) + 3)}\" y=\"{Top - 22}\" fill=\"{Stage1}\">{name}</text>\n");
        }

        public void Row(int row, string label, IEnumerable<Bar> bars, bool bold)
        {
            double y = Y(row);
            if (row % 2 == 1) Svg.Append($"<rect x=\"0\" y=\"{F(y)}\" width=\"{Width}\" height=\"{RowHeight}\" fill=\"#f7f7f7\"/>\n");
            Svg.Append($"<text x=\"{_labelWidth}\" y=\"{F(y + 14)}\" text-anchor=\"end\"{(bold ? " font-weight=\"bold\"" : "")}>{Escape(label)}</text>\n");
            foreach (var bar in bars)
                Svg.Append($"<rect x=\"{F(X(bar.From))}\" y=\"{F(y + (RowHeight - BarHeight) / 2.0)}\" width=\"{F(Math.Max(2, X(bar.To) - X(bar.From)))}\" height=\"{BarHeight}\" fill=\"{bar.Fill}\"/>\n");
        }

        public void Note(int row, long ms, string text) =>
            Svg.Append($"<text x=\"{F(X(ms) + 4)}\" y=\"{F(Y(row) + 14)}\" fill=\"#333\">{Escape(text)}</text>\n");

        public void Arrow(int fromRow, long fromMs, int toRow, long toMs, bool bold) =>
            Svg.Append($"<line x1=\"{F(X(fromMs))}\" y1=\"{F(Y(fromRow) + RowHeight / 2.0)}\" x2=\"{F(X(toMs))}\" y2=\"{F(Y(toRow) + RowHeight / 2.0)}\" stroke-width=\"{(bold ? "2" : "1")}\" marker-end=\"url(#arrow)\"/>\n");

        /// <summary>The colours' meanings, on as many lines as the width needs (text widths estimated: no font metrics here).</summary>
        public void Legend()
        {
            double x = Margin, y = Y(_rows) + 20;
            string[] items = [Waiting, "waiting for its dependencies", Starting, "starting (until ready)", Running, "running (until it stopped)",
                Restart, "restarted", "", "bold: the critical chain; arrows: dependencies.d"];
            for (int i = 0; i < items.Length; i += 2)
            {
                string fill = items[i], text = items[i + 1];
                double room = (fill.Length > 0 ? 18 : 0) + text.Length * 6.5 + 16;
                if (x > Margin && x + room > Width - Margin) { x = Margin; y += 18; }
                if (fill.Length > 0) Svg.Append($"<rect x=\"{F(x)}\" y=\"{F(y)}\" width=\"14\" height=\"10\" fill=\"{fill}\"/>");
                Svg.Append($"<text x=\"{F(fill.Length > 0 ? x + 18 : x)}\" y=\"{F(y + 9)}\">{Escape(text)}</text>\n");
                x += room;
            }
        }
    }

    /// <summary>
    /// The bars of one service: waiting, starting, then running until it stopped (or, still running,
    /// to <paramref name="endMs"/>), a gap until a restart, and a dark mark at the latest restart.
    /// </summary>
    private static List<Bar> Bars(ServiceEntry s, long endMs)
    {
        var t = s.Times;
        var bars = new List<Bar>();
        if (t.WaitingMs is { } waiting) bars.Add(new Bar(waiting, t.StartMs ?? endMs, Waiting));
        if (t.StartMs is not { } start) return bars;
        long? stop = t.StopMs >= start ? t.StopMs : null;
        if (t.ReadyMs is not { } ready) bars.Add(new Bar(start, t.Running ? endMs : stop ?? endMs, Starting));
        else
        {
            bars.Add(new Bar(start, ready, Starting));
            if (stop is { } stopped && stopped >= ready)
            {
                bars.Add(new Bar(ready, stopped, Running));
                if (t.Running && t.RestartMs is { } again) bars.Add(new Bar(again, endMs, Running));
            }
            else bars.Add(new Bar(ready, endMs, Running));
        }
        if (t.RestartMs is { } restart) bars.Add(new Bar(restart, restart, Restart));
        return bars;
    }

    private static string Title(BootAnalysis boot)
    {
        string what = boot.Stages is null ? "Services" : boot.Stages.Mode == "container" ? "Container" : "Boot";
        string of = boot.Host is { } host ? $"{what} of {host}" : what;
        if (boot.Kernel is { } kernel) of += $" (Linux {kernel})";
        return boot.FinishedMs is { } finished ? $"{of}: {TimeText.Span(finished - boot.OriginMs)}" : $"{of}: not finished";
    }

    private static string Subtitle(BootAnalysis boot)
    {
        var stages = boot.Stages;
        string parts = stages is { Mode: "system", InitMs: { } init, Stage2Ms: { } stage2 } && boot.FinishedMs is { } finished
            ? $"kernel {TimeText.Span(init)} + stage 1 {TimeText.Span(stage2 - init)} + services {TimeText.Span(finished - stage2)}; "
            : "";
        return parts + "seconds since " + AnalysisText.Origin(boot).Split(" (")[0] + $"; {boot.Services.Count} services; init analyze plot";
    }

    private static string Tick(double seconds, double step) =>
        seconds.ToString(step < 0.1 ? "0.00" : step < 1 ? "0.0" : "0", CultureInfo.InvariantCulture) + "s";

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>
    /// Text as XML character data and attribute values: the five special characters as entities, and
    /// what XML 1.0 cannot carry at all (control characters, a lone surrogate, U+FFFE/U+FFFF) as '?',
    /// so any directory name gives a well-formed document.
    /// </summary>
    public static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { escaped.Append(c).Append(text[++i]); continue; }
            escaped.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&apos;",
                _ when (c < ' ' && c is not ('\t' or '\n' or '\r')) || char.IsSurrogate(c) || c is '\uFFFE' or '\uFFFF' => "?",
                _ => c.ToString(),
            });
        }
        return escaped.ToString();
    }
}
