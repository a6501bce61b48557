using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DynamoLake.Local.Pipeline;

/// <summary>
/// The S3 path's partitions as Athena finds them: from the partition projection of the template's Glue table
/// (<c>projection.*</c> and <c>storage.location.template</c>), not from the folders on disk. Firehose registers
/// no partitions, so a template without projection leaves Athena with none, and the local query with none too.
/// A file outside every projected partition is one Athena would never read; the query says so.
/// </summary>
internal sealed class ChangeLogProjection
{
    private readonly Regex _location;

    private ChangeLogProjection(IReadOnlyList<ProjectedColumn> columns, string locationTemplate)
    {
        Columns = columns;
        LocationTemplate = locationTemplate;
        var pattern = new StringBuilder("^");
        var at = 0;
        foreach (Match placeholder in Regex.Matches(locationTemplate, @"\$\{([a-z0-9_]+)\}"))
        {
            pattern.Append(Regex.Escape(locationTemplate[at..placeholder.Index]));
            pattern.Append("(?<").Append(placeholder.Groups[1].Value).Append(">[^/]+)");
            at = placeholder.Index + placeholder.Length;
        }

        pattern.Append(Regex.Escape(locationTemplate[at..])).Append('$');
        _location = new Regex(pattern.ToString(), RegexOptions.CultureInvariant);
    }

    /// <summary>The Glue table's partition columns, in order, with their projection.</summary>
    public IReadOnlyList<ProjectedColumn> Columns { get; }

    /// <summary>Where a partition's files are, relative to the bucket, e.g. <c>changes/region_partition=${region_partition}/…/</c>.</summary>
    public string LocationTemplate { get; }

    /// <summary>The partition values of a folder (relative to the bucket, '/'-separated, ending in '/'), or null when Athena would not project it.</summary>
    public string[]? Partition(string folder)
    {
        var match = _location.Match(folder);
        if (!match.Success)
        {
            return null;
        }

        var values = new string[Columns.Count];
        for (var i = 0; i < Columns.Count; i++)
        {
            var value = match.Groups[Columns[i].Name].Value;
            if (!Columns[i].Projects(value))
            {
                return null;
            }

            values[i] = value;
        }

        return values;
    }

    /// <summary>Reads the projection of <paramref name="glueTable"/> in <paramref name="template"/>, resolving parameters to their defaults.</summary>
    /// <exception cref="PipelineException">The table has no usable projection: Athena would see no partitions.</exception>
    public static ChangeLogProjection FromTemplate(JsonNode template, string glueTable)
    {
        ArgumentNullException.ThrowIfNull(template);
        var input = template["Resources"]?[glueTable]?["Properties"]?["TableInput"]
            ?? throw new PipelineException($"serverless.template has no Glue table {glueTable}");
        var name = input["Name"]?.GetValue<string>() ?? glueTable;
        var parameters = input["Parameters"] as JsonObject ?? [];
        string? Parameter(string key) => parameters[key] is { } value ? Resolve(template, value) : null;

        if (Parameter("projection.enabled") != "true")
        {
            throw new PipelineException($"the Glue table {name} in serverless.template has no partition projection (projection.enabled): Athena would find none of the partitions Firehose writes, so the local query does not either");
        }

        var columns = new List<ProjectedColumn>();
        foreach (var key in input["PartitionKeys"]?.AsArray() ?? [])
        {
            var column = key!["Name"]!.GetValue<string>();
            var type = Parameter($"projection.{column}.type");
            columns.Add(type switch
            {
                "enum" => ProjectedColumn.Enum(column, (Parameter($"projection.{column}.values") ?? "").Split(',')),
                "integer" => ProjectedColumn.Integer(column, Parameter($"projection.{column}.range"), Parameter($"projection.{column}.digits"), name),
                null => throw new PipelineException($"the Glue table {name} projects no type for its partition column {column} (projection.{column}.type): Athena would refuse the query"),
                _ => throw new PipelineException($"the Glue table {name} projects {column} as '{type}', which the local query does not model (enum and integer only)"),
            });
        }

        var location = Parameter("storage.location.template")
            ?? throw new PipelineException($"the Glue table {name} has no storage.location.template: Athena would look for Hive folders that Firehose does not name");
        var bucketEnd = location.StartsWith("s3://", StringComparison.Ordinal) ? location.IndexOf('/', "s3://".Length) : -1;
        if (bucketEnd < 0)
        {
            throw new PipelineException($"the Glue table {name}'s storage.location.template '{location}' is not an s3:// location");
        }

        var projection = new ChangeLogProjection(columns, location[(bucketEnd + 1)..]);
        foreach (var column in columns)
        {
            if (!projection.LocationTemplate.Contains("${" + column.Name + "}", StringComparison.Ordinal))
            {
                throw new PipelineException($"the Glue table {name}'s storage.location.template does not place the partition column {column.Name}");
            }
        }

        return projection;
    }

    /// <summary>A literal, a Ref to a parameter (its default), or a Fn::Sub of parameters; <c>${!x}</c> stays <c>${x}</c>; resources (a bucket name) become <c>bucket</c>.</summary>
    private static string Resolve(JsonNode template, JsonNode value) => value switch
    {
        JsonValue v => v.ToString(),
        JsonObject o when o["Ref"] is { } r => Default(template, r.GetValue<string>()),
        JsonObject o when o["Fn::Sub"] is JsonValue sub => Regex.Replace(sub.GetValue<string>(), @"\$\{(!?)([A-Za-z0-9_:.]+)\}", m =>
            m.Groups[1].Value == "!" ? "${" + m.Groups[2].Value + "}" : Default(template, m.Groups[2].Value)),
        _ => throw new PipelineException($"cannot resolve {value.ToJsonString()} from serverless.template without deploying"),
    };

    private static string Default(JsonNode template, string name) =>
        template["Parameters"]?[name]?["Default"]?.ToString()
        ?? (template["Resources"]?[name] is not null ? "bucket" : throw new PipelineException($"serverless.template: '{name}' is neither a parameter nor a resource"));
}

/// <summary>One projected partition column: an enum of values, or integers in a range written with a number of digits.</summary>
internal sealed record ProjectedColumn(string Name, IReadOnlyList<string>? Values, long Min, long Max, int Digits)
{
    public static ProjectedColumn Enum(string name, IReadOnlyList<string> values) => new(name, values, 0, 0, 0);

    public static ProjectedColumn Integer(string name, string? range, string? digits, string table)
    {
        var bounds = (range ?? "").Split(',');
        if (bounds.Length != 2 || !long.TryParse(bounds[0], CultureInfo.InvariantCulture, out var min) || !long.TryParse(bounds[1], CultureInfo.InvariantCulture, out var max))
        {
            throw new PipelineException($"the Glue table {table} projects {name} as integer without a valid projection.{name}.range (got '{range}')");
        }

        return new(name, null, min, max, digits is null ? 0 : int.Parse(digits, CultureInfo.InvariantCulture));
    }

    /// <summary>Whether Athena projects this folder value: a listed enum value, or the integer written exactly as the projection writes it.</summary>
    public bool Projects(string value)
    {
        if (Values is not null)
        {
            return Values.Contains(value);
        }

        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            && number >= Min && number <= Max
            && value == number.ToString("D" + Digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }
}
