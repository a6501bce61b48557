using System.CommandLine;
using System.Globalization;
using Cli.Pipeline;
using DynamoLake.Core.Contract;
using Spectre.Console;

namespace Cli;

/// <summary>
/// <c>query "SQL"</c> or <c>query --name risk-by-region</c>: DuckDB over the local lake with the views
/// <c>transactions</c> (current state), <c>transactions_changes</c> (change log) and
/// <c>transactions_current</c> (the generated view over the change log). Prints a table.
/// </summary>
internal static class QueryCommand
{
    public static IReadOnlyList<string> Names { get; } = ["risk-by-region", "hourly-pattern"];

    public static Command Create(Stream stdout, TextWriter stderr)
    {
        var sql = new Argument<string?>("sql") { Description = "SQL to run (views: transactions, transactions_changes, transactions_current).", Arity = ArgumentArity.ZeroOrOne };
        var name = new Option<string?>("--name") { Description = $"A named query instead of SQL: {string.Join(", ", Names)}." };
        var lake = new Option<string>("--lake") { Description = "Folder of the local lake.", DefaultValueFactory = _ => "lake" };
        var csv = new Option<bool>("--csv") { Description = "Print CSV instead of a table." };
        var command = new Command("query", "Query the local lake with SQL (DuckDB).") { sql, name, lake, csv };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var text = parse.GetValue(sql);
            var queryName = parse.GetValue(name);
            if ((text is null) == (queryName is null))
            {
                await stderr.WriteLineAsync($"error: give either SQL or --name ({string.Join(", ", Names)}).");
                return ExitCodes.Usage;
            }

            if (queryName is not null)
            {
                if (!Names.Contains(queryName))
                {
                    await stderr.WriteLineAsync($"error: unknown query '{queryName}'; expected one of: {string.Join(", ", Names)}.");
                    return ExitCodes.Usage;
                }

                text = NamedQuery(queryName);
            }

            var contract = TableContract.LoadEmbedded();
            var template = TemplateFacts.LoadEmbedded();
            var paths = LakePaths.For(parse.GetValue(lake)!, template, contract);
            try
            {
                using var database = LakeDatabase.Open(paths, contract, template.ChangeLogProjection);
                if (database.InvisibleChangeLogFiles is { Count: > 0 } invisible)
                {
                    await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"warning: {invisible.Count:N0} change-log files lie outside the partitions the template's projection names; Athena would not read them (first: {invisible[0]})."));
                }

                using var reader = database.Query(text!);
                var writer = new StreamWriter(stdout, leaveOpen: true);
                if (parse.GetValue(csv))
                {
                    await writer.WriteLineAsync(string.Join(",", Enumerable.Range(0, reader.FieldCount).Select(reader.GetName)));
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        await writer.WriteLineAsync(string.Join(",", Enumerable.Range(0, reader.FieldCount).Select(i => Csv(Cell(reader.GetValue(i), Scale(reader.GetDataTypeName(i)))))));
                    }

                    await writer.FlushAsync(cancellationToken);
                    return ExitCodes.Ok;
                }

                var table = new Table();
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    table.AddColumn(Markup.Escape(reader.GetName(i)));
                }

                var rows = 0;
                while (await reader.ReadAsync(cancellationToken))
                {
                    table.AddRow(Enumerable.Range(0, reader.FieldCount).Select(i => Markup.Escape(Cell(reader.GetValue(i), Scale(reader.GetDataTypeName(i))))).ToArray());
                    rows++;
                }

                var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Interactive = InteractionSupport.No });
                console.Profile.Width = Math.Max(console.Profile.Width, 160);
                console.Write(table);
                await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{rows:N0} rows"));
                await writer.FlushAsync(cancellationToken);
                return ExitCodes.Ok;
            }
            catch (PipelineException e)
            {
                await stderr.WriteLineAsync($"error: {e.Message}");
                return ExitCodes.Failed;
            }
            catch (DuckDB.NET.Data.DuckDBException e)
            {
                await stderr.WriteLineAsync($"error: the query failed: {e.Message}");
                return ExitCodes.Failed;
            }
        });
        return command;
    }

    public static string NamedQuery(string name)
    {
        using var stream = typeof(QueryCommand).Assembly.GetManifestResourceStream($"queries/{name}.sql")
            ?? throw new InvalidOperationException($"queries/{name}.sql is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    // Money keeps its scale on screen: DECIMAL(38,2) 12.3 prints as 12.30.
    private static int? Scale(string typeName) =>
        typeName.StartsWith("DECIMAL(", StringComparison.OrdinalIgnoreCase) && typeName.Split(',', ')') is [_, var scale, ..] && int.TryParse(scale, CultureInfo.InvariantCulture, out var s) ? s : null;

    private static string Cell(object? value, int? scale = null) => value switch
    {
        null or DBNull => "",
        decimal number when scale is { } digits => number.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
        DateTime time => time.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        System.Collections.IDictionary map => "{" + string.Join(", ", map.Keys.Cast<object>().Select(k => $"{k}: {Cell(map[k])}")) + "}",
        _ => value.ToString() ?? "",
    };

    private static string Csv(string cell) => cell.Contains(',', StringComparison.Ordinal) || cell.Contains('"', StringComparison.Ordinal) ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;
}
