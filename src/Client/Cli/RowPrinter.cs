using Spectre.Console;

namespace DocTable.Orleans.Client.Cli;

/// <summary>Prints result sets as tables, as a notebook shows a DataFrame.</summary>
internal static class RowPrinter
{
    public static void Print(IAnsiConsole console, RowSet rows)
    {
        var table = new Spectre.Console.Table().Border(TableBorder.Rounded);
        foreach (var column in rows.Columns) table.AddColumn(new TableColumn(Markup.Escape(column)));
        foreach (var row in rows.Rows)
            table.AddRow(row.Select(v => Markup.Escape(Format(v))).ToArray());
        console.Write(table);
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        byte[] b => $"<{b.Length} bytes>",
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };
}
