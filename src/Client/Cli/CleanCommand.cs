using System.CommandLine;

namespace DocTable.Orleans.Client.Cli;

/// <summary>
/// <c>doctable clean --data DIR --table T</c>: reconciles the table's file folder with its file-backed
/// columns: removes files no row names (left by a crash before a commit, a rollback, a replace or a
/// cascade) and lists rows whose file is missing. Exit code 1 when such rows exist.
/// </summary>
internal static class CleanCommand
{
    public static Command Create(Option<string?> data, Option<string> table)
    {
        var command = new Command("clean", "Remove orphan files of file-backed columns and report rows whose file is missing") { data, table };
        command.SetAction(async (parse, ct) =>
        {
            var missing = 0;
            var code = await CommandLine.WithTableAsync(parse, async (grain, terminal) =>
            {
                var report = await grain.CleanAsync(ct);
                terminal.Output.WriteLine($"removed {report.RemovedFiles.Length} orphan file(s); {report.FilesKept} file(s) in use; {report.MissingFiles.Length} row(s) name a missing file");
                foreach (var file in report.RemovedFiles) terminal.Output.WriteLine($"removed {file}");
                foreach (var m in report.MissingFiles) terminal.Output.WriteLine($"missing: row {m.RowId}, column {m.Column}, file {m.FileName}");
                missing = report.MissingFiles.Length;
            });
            return code != 0 ? code : missing > 0 ? 1 : 0;
        });
        return command;
    }
}
