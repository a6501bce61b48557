using System.CommandLine;
using System.Globalization;
using DynamoLake.Core.Contract;
using DynamoLake.Local;
using DynamoLake.Local.Pipeline;
using Spectre.Console;

namespace Cli;

/// <summary>
/// <c>query "SQL"</c> or <c>query --name risk-by-region</c>: DuckDB over the local lake with the views
/// <c>transactions</c> (current state), <c>transactions_changes</c> (change log) and
/// <c>transactions_current</c> (the generated view over the change log). Prints a table.
/// </summary>
internal static class QueryCommand
{
    public static IReadOnlyList<string> Names { get; } = ["daily-risk", "today-by-hour", "risk-by-region", "hourly-pattern"];

    public static Command Create(Stream stdout, TextWriter stderr)
    {
        var sql = new Argument<string?>("sql") { Description = $"SQL to run (views: {LakeViews(TableContract.LoadEmbedded())}; for --contract FILE, its table's).", Arity = ArgumentArity.ZeroOrOne };
        var name = new Option<string?>("--name") { Description = $"A named query instead of SQL: {string.Join(", ", Names)}." };
        var lake = new Option<string>("--lake") { Description = "Folder of the local lake.", DefaultValueFactory = _ => "lake" };
        var format = new Option<string>("--format") { Description = "Output: table, csv or json.", DefaultValueFactory = _ => "table" };
        format.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } value && !QueryOutput.Formats.Contains(value))
            {
                result.AddError($"--format must be {string.Join(", ", QueryOutput.Formats)}, not '{value}'.");
            }
        });
        var csv = new Option<bool>("--csv") { Description = "Same as --format csv." };
        var contractFile = ContractFlag.Create();
        var command = new Command("query", "Query the local lake with SQL (DuckDB).") { sql, name, lake, format, csv, contractFile };
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

            var environment = ContractFlag.Environment(parse, contractFile);
            var contract = environment.Contract();
            var template = environment.Template();
            var paths = LakePaths.For(parse.GetValue(lake)!, template, contract);
            try
            {
                using var database = LakeDatabase.Open(paths, contract, template.ChangeLogProjection);
                if (database.InvisibleChangeLogFiles is { Count: > 0 } invisible)
                {
                    await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"warning: {invisible.Count:N0} change-log files lie outside the partitions the template's projection names; Athena would not read them (first: {invisible[0]})."));
                }

                var columns = database.Columns(text!);
                var declared = columns?.Select(c => c.Type).ToList();
                using var reader = database.Query(LakeDatabase.WithExactDecimals(text!, columns));
                var types = QueryOutput.Types(reader, declared);
                var writer = new StreamWriter(stdout, leaveOpen: true);
                var chosen = parse.GetValue(csv) ? "csv" : parse.GetValue(format);
                if (chosen == "json")
                {
                    await QueryOutput.WriteJsonAsync(reader, types, stdout, cancellationToken);
                    return ExitCodes.Ok;
                }

                if (chosen == "csv")
                {
                    await writer.WriteLineAsync(string.Join(",", Enumerable.Range(0, reader.FieldCount).Select(i => QueryOutput.Csv(reader.GetName(i)))));
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        await writer.WriteLineAsync(string.Join(",", Enumerable.Range(0, reader.FieldCount).Select(i => QueryOutput.Csv(QueryOutput.Text(reader.GetValue(i), types[i])))));
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
                    table.AddRow(Enumerable.Range(0, reader.FieldCount).Select(i => Markup.Escape(QueryOutput.Text(reader.GetValue(i), types[i]))).ToArray());
                    rows++;
                }

                var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Interactive = InteractionSupport.No });
                console.Profile.Width = Math.Max(console.Profile.Width, 160);
                console.Write(table);
                await writer.WriteLineAsync(Counted.Of(rows, "row"));
                await writer.FlushAsync(cancellationToken);
                return ExitCodes.Ok;
            }
            catch (PipelineException e)
            {
                await stderr.WriteLineAsync($"error: {e.Message}");
                return ExitCodes.Failed;
            }
            catch (DuckDB.NET.Data.DuckDBException e) when (e.Message.Contains("Table with name", StringComparison.Ordinal))
            {
                // DuckDB suggests its own catalogue views ("duckdb_views"); the lake's are what the user can query.
                var what = e.Message.Split('\n')[0];
                var cut = what.IndexOf(" Did you mean", StringComparison.Ordinal);
                await stderr.WriteLineAsync($"error: the query failed: {(cut > 0 ? what[..cut] : what)} The lake has: {LakeViews(contract)}.");
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

    // The relations a query may name: the Iceberg table, the change log as Athena reads it, and its current-state view.
    private static string LakeViews(TableContract contract) =>
        $"{contract.Table} (the Iceberg table), {LakeSchema.ChangeLogTable(contract)} (the S3 change log), {LakeSchema.CurrentView(contract)} (its current-state view)";

    public static string NamedQuery(string name)
    {
        using var stream = typeof(QueryCommand).Assembly.GetManifestResourceStream($"queries/{name}.sql")
            ?? throw new InvalidOperationException($"queries/{name}.sql is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
