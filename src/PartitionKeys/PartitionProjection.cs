using System.Globalization;

namespace PartitionKeys;

/// <summary>
/// The Glue table parameters that let Athena see the S3 path's partitions without a crawler: partition
/// projection with one projected column per key and a <c>storage.location.template</c> that renders exactly
/// the prefix Firehose builds from <c>metadata.partitionKeys</c>. Firehose registers no partitions, so
/// without these Athena finds none (0 rows).
/// </summary>
public static class PartitionProjection
{
    /// <summary>The parameters, in a stable order.</summary>
    /// <param name="settings">The partition keys.</param>
    /// <param name="location">Where the prefix starts, e.g. <c>s3://bucket/changes/</c>.</param>
    /// <param name="firstYear">The first year Athena projects.</param>
    /// <param name="lastYear">The last year Athena projects.</param>
    public static IReadOnlyList<KeyValuePair<string, string>> TableParameters(PartitionKeysSettings settings, string location, int firstYear, int lastYear)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(location);
        var parameters = new List<KeyValuePair<string, string>> { new("projection.enabled", "true") };
        foreach (var key in settings.Keys)
        {
            var prefix = $"projection.{key.FolderName}.";
            switch (key.Part)
            {
                case DatePart.Year:
                    Integer(parameters, prefix, firstYear, lastYear, 4);
                    break;
                case DatePart.Month:
                    Integer(parameters, prefix, 1, 12, 2);
                    break;
                case DatePart.Day:
                    Integer(parameters, prefix, 1, 31, 2);
                    break;
                case DatePart.Hour:
                    Integer(parameters, prefix, 0, 23, 2);
                    break;
                default:
                    if (key.Column?.Values is { } values)
                    {
                        parameters.Add(new(prefix + "type", "enum"));
                        parameters.Add(new(prefix + "values", string.Join(',', values)));
                    }
                    else
                    {
                        // Any value: Athena then needs the value in every query's WHERE clause.
                        parameters.Add(new(prefix + "type", "injected"));
                    }

                    break;
            }
        }

        parameters.Add(new("storage.location.template", location + string.Concat(settings.Keys.Select(k => $"{k.FolderName}=${{{k.FolderName}}}/"))));
        return parameters;
    }

    private static void Integer(List<KeyValuePair<string, string>> parameters, string prefix, int first, int last, int digits)
    {
        parameters.Add(new(prefix + "type", "integer"));
        parameters.Add(new(prefix + "range", string.Create(CultureInfo.InvariantCulture, $"{first},{last}")));
        parameters.Add(new(prefix + "digits", digits.ToString(CultureInfo.InvariantCulture)));
    }
}
