using System.Text.Json;

namespace DynamoLake.Aws;

/// <summary>
/// AWS's error in a JSON answer (the JSON and REST-JSON protocols alike): the type from the
/// <c>x-amzn-ErrorType</c> header, else the body's <c>__type</c>, without the namespace before '#' and the
/// detail after ':'; and the body's <c>message</c> (any case).
/// </summary>
internal readonly record struct AwsErrorBody(string? Type, string? Message, bool IsJson)
{
    public static AwsErrorBody Parse(string body, string? typeHeader)
    {
        ArgumentNullException.ThrowIfNull(body);
        string? type = typeHeader;
        string? message = null;
        var isJson = false;
        try
        {
            using var document = JsonDocument.Parse(body);
            isJson = true;
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    if (property.Name == "__type" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        type ??= property.Value.GetString();
                    }
                    else if (property.Name.Equals("message", StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.String)
                    {
                        message ??= property.Value.GetString();
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's page, a truncated answer): the caller shows the text itself.
        }

        if (type is not null)
        {
            type = type[(type.LastIndexOf('#') + 1)..];
            if (type.IndexOf(':', StringComparison.Ordinal) is > 0 and var colon)
            {
                type = type[..colon];
            }
        }

        return new AwsErrorBody(type, message, isJson);
    }
}
